// @ts-check
// Sign in, or create a patient account, inline: the page goes on where it was once a session exists.
import { ApiError, request } from "./api.js";
import { h, replace } from "./dom.js";
import { busy, field, formErrors, showIssues } from "./forms.js";

/**
 * @param {{container: HTMLElement, allowRegister: boolean, intro?: string,
 *   onSession: (session: {token: string, user: any}) => void | Promise<void>,
 *   accept?: (user: any) => string | null}} options `accept` answers why a user cannot use this page, or null
 */
export function renderAuthPanel({ container, allowRegister, intro, onSession, accept }) {
	const login = authForm({
		kind: "login",
		submit: "Sign in",
		fields: [
			field("Email", {
				name: "email",
				type: "email",
				autocomplete: "email",
				required: true,
				"data-testid": "login-email",
			}),
			field("Password", {
				name: "password",
				type: "password",
				autocomplete: "current-password",
				required: true,
				"data-testid": "login-password",
			}),
		],
	});
	const register = authForm({
		kind: "register",
		submit: "Create account",
		fields: [
			field("Full name", {
				name: "name",
				autocomplete: "name",
				required: true,
				maxlength: 100,
				"data-testid": "register-name",
			}),
			field("Email", {
				name: "email",
				type: "email",
				autocomplete: "email",
				required: true,
				"data-testid": "register-email",
			}),
			field("Password (at least 8 characters)", {
				name: "password",
				type: "password",
				autocomplete: "new-password",
				required: true,
				minlength: 8,
				"data-testid": "register-password",
			}),
		],
	});

	/** @param {{kind: string, submit: string, fields: HTMLElement[]}} spec */
	function authForm(spec) {
		const button = /** @type {HTMLButtonElement} */ (
			h("button", {
				type: "submit",
				class: "button primary",
				"data-testid": `${spec.kind}-submit`,
				text: spec.submit,
			})
		);
		const form = h(
			"form",
			{ class: "auth-form", "data-testid": `${spec.kind}-form`, novalidate: true },
			spec.fields,
			formErrors(),
			button,
		);
		form.addEventListener("submit", (event) => {
			event.preventDefault();
			const values = Object.fromEntries(new FormData(/** @type {HTMLFormElement} */ (form)));
			void busy(button, spec.kind === "login" ? "Signing in…" : "Creating account…", async () => {
				try {
					const session = await request("POST", `/api/auth/${spec.kind}`, { body: values });
					const refusal = accept?.(session.user) ?? null;
					if (refusal !== null) return showIssues(form, [], refusal);
					await onSession(session);
				} catch (error) {
					if (!(error instanceof ApiError)) throw error;
					const message =
						error.code === "UNAUTHORIZED" && spec.kind === "login"
							? "Wrong email or password."
							: error.message;
					showIssues(form, error.code === "VALIDATION_ERROR" ? error.issues : [], message);
				}
			});
		});
		return form;
	}

	if (!allowRegister) {
		replace(
			container,
			h(
				"div",
				{ class: "auth-panel", "data-testid": "auth-panel" },
				intro ? h("p", { class: "muted", text: intro }) : null,
				login,
			),
		);
		return;
	}
	const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": "Sign in or register" });
	const panels = [
		{ key: "login", label: "Sign in", form: login },
		{ key: "register", label: "Create account", form: register },
	].map(({ key, label, form }, index) => {
		const tab = h("button", {
			type: "button",
			role: "tab",
			id: `auth-tab-${key}`,
			"aria-controls": `auth-${key}`,
			"aria-selected": String(index === 0),
			tabIndex: index === 0 ? 0 : -1,
			"data-testid": `auth-tab-${key}`,
			text: label,
			onClick: () => choose(key),
		});
		tabs.append(tab);
		const panel = h(
			"div",
			{ role: "tabpanel", id: `auth-${key}`, "aria-labelledby": tab.id, hidden: index !== 0 },
			form,
		);
		return { key, tab, panel };
	});
	/** @param {string} key */
	const choose = (key) => {
		for (const p of panels) {
			const on = p.key === key;
			p.tab.setAttribute("aria-selected", String(on));
			p.tab.tabIndex = on ? 0 : -1;
			p.panel.hidden = !on;
			if (on) {
				p.tab.focus();
			}
		}
	};
	tabs.addEventListener("keydown", (event) => {
		if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
		const current = panels.findIndex((p) => !p.panel.hidden);
		const next = panels[(current + 1) % panels.length];
		if (next) choose(next.key);
	});
	replace(
		container,
		h(
			"div",
			{ class: "auth-panel", "data-testid": "auth-panel" },
			intro ? h("p", { class: "auth-intro", text: intro }) : null,
			tabs,
			panels.map((p) => p.panel),
		),
	);
}
