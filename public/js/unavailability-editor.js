// @ts-check
// One-off blocks on a date: a form to add or change one, and the list of coming blocks with edit and remove.
import { ApiError, doctorPath, request, withQuery } from "./api.js";
import { focusOn, h, replace, toast } from "./dom.js";
import { busy, clearIssues, field, formErrors, showIssues } from "./forms.js";
import { formatDate } from "./time.js";

/** @typedef {{id: string, date: string, start: string, end: string, reason: string | null}} Block */

/**
 * @param {{form: HTMLElement, list: HTMLElement, doctorId: string, token: () => string, today: () => string,
 *   onChanged: (affected: any[]) => void, onUnauthorized: () => void}} options
 */
export function createUnavailabilityEditor({
	form,
	list,
	doctorId,
	token,
	today,
	onChanged,
	onUnauthorized,
}) {
	/** @type {Block | null} the block being edited, or null when adding */
	let editing = null;
	const base = `${doctorPath(doctorId)}/unavailability`;

	const submit = /** @type {HTMLButtonElement} */ (
		h("button", {
			type: "submit",
			class: "button primary",
			"data-testid": "unavailability-submit",
			text: "Add",
		})
	);
	const cancelEdit = h("button", {
		type: "button",
		class: "button subtle",
		"data-testid": "unavailability-cancel-edit",
		text: "Cancel",
		hidden: true,
		onClick: () => reset(),
	});
	replace(
		form,
		field("Date", { name: "date", type: "date", required: true, "data-testid": "unavailability-date" }),
		field("From", {
			name: "start",
			placeholder: "HH:MM",
			inputmode: "numeric",
			required: true,
			"data-testid": "unavailability-start",
		}),
		field("Until", {
			name: "end",
			placeholder: "HH:MM",
			inputmode: "numeric",
			required: true,
			"data-testid": "unavailability-end",
		}),
		h(
			"div",
			{ class: "field-wide" },
			field("Reason (only you see it)", {
				name: "reason",
				maxlength: 500,
				"data-testid": "unavailability-reason",
			}),
		),
		formErrors(),
		h("div", { class: "actions" }, submit, cancelEdit),
	);

	/** @param {string} name */
	const input = (name) => /** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`));

	function reset() {
		editing = null;
		/** @type {HTMLFormElement} */ (form).reset();
		input("date").value = today();
		input("date").min = today();
		submit.textContent = "Add";
		cancelEdit.hidden = true;
		clearIssues(form);
	}

	/** @param {Block} block */
	function edit(block) {
		editing = block;
		input("date").value = block.date;
		input("start").value = block.start;
		input("end").value = block.end;
		input("reason").value = block.reason ?? "";
		submit.textContent = "Save changes";
		cancelEdit.hidden = false;
		clearIssues(form);
		input("start").focus();
	}

	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const reason = input("reason").value.trim();
		const body = {
			date: input("date").value,
			start: input("start").value.trim(),
			end: input("end").value.trim(),
			reason: reason === "" ? null : reason,
		};
		void busy(submit, editing ? "Saving…" : "Adding…", async () => {
			try {
				const answer = editing
					? await request("PATCH", `${base}/${encodeURIComponent(editing.id)}`, { token: token(), body })
					: await request("POST", base, { token: token(), body });
				toast(editing ? "Unavailability changed." : "Unavailability added.", { tone: "success" });
				reset();
				await reload();
				onChanged(answer.affected_appointments ?? []);
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				if (error.status === 401) return onUnauthorized();
				showIssues(form, error.issues, error.message);
			}
		});
	});

	/** @param {Block} block */
	async function remove(block) {
		try {
			await request("DELETE", `${base}/${encodeURIComponent(block.id)}`, { token: token() });
			toast("Unavailability removed; those times are open again.", { tone: "success" });
			if (editing?.id === block.id) reset();
			await reload();
			focusOn(form.querySelector("input"));
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			if (error.status === 401) return onUnauthorized();
			toast(error.message, { tone: "error" });
		}
	}

	/** @param {Block} block */
	const item = (block) =>
		h(
			"li",
			{ class: "block", "data-testid": "unavailability-item", dataset: { id: block.id, date: block.date } },
			h(
				"div",
				null,
				h("div", {
					class: "block-when",
					text: `${formatDate(block.date, { weekday: "short", day: "numeric", month: "short" })} · ${block.start}–${block.end}`,
				}),
				block.reason ? h("div", { class: "muted small", text: block.reason }) : null,
			),
			h(
				"div",
				{ class: "row-actions" },
				h("button", {
					type: "button",
					class: "button subtle",
					"data-testid": "edit-unavailability",
					text: "Edit",
					onClick: () => edit(block),
				}),
				h("button", {
					type: "button",
					class: "button subtle",
					"data-testid": "remove-unavailability",
					text: "Remove",
					onClick: () => remove(block),
				}),
			),
		);

	async function reload() {
		try {
			const body = await request("GET", withQuery(base, { from: today() }), { token: token() });
			const blocks = /** @type {Block[]} */ (body.unavailability);
			replace(
				list,
				blocks.length ? blocks.map(item) : h("li", { class: "empty", text: "No coming unavailability." }),
			);
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) return onUnauthorized();
			replace(
				list,
				h("li", {
					class: "error-text",
					text: `Could not load unavailability: ${String(/** @type {Error} */ (error).message)}`,
				}),
			);
		}
	}

	reset();
	return { reload };
}
