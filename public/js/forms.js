// @ts-check
// Form helpers shared by every page: labelled fields and the API's 400 `issues` shown beside them.
import { h, replace } from "./dom.js";

let fieldCount = 0;

/**
 * A labelled input with a slot for its error message.
 * @param {string} label
 * @param {Record<string, any>} props for the input (name, type, data-testid, …)
 * @param {string} [tag]
 */
export function field(label, props, tag = "input") {
	const id = props.id ?? `f${++fieldCount}`;
	const errorId = `${id}-error`;
	const input = h(tag, { ...props, id, "aria-describedby": errorId });
	return h(
		"div",
		{ class: "field", dataset: { field: props.name ?? "" } },
		h("label", { for: id, text: label }),
		input,
		h("p", { id: errorId, class: "field-error", "data-testid": `${props.name ?? id}-error` }),
	);
}

/**
 * Clears earlier messages, then shows each issue beside the field named by its path (its first part, or
 * a longer match when a form names fields like "weekly.monday"); the rest go to the form's summary.
 * @param {HTMLElement} form
 * @param {{path: string, message: string}[]} issues
 * @param {string} [fallback] shown when there are no issues
 */
export function showIssues(form, issues, fallback) {
	clearIssues(form);
	const summary = form.querySelector(".form-errors");
	const unplaced = [];
	for (const issue of issues) {
		const target = fieldFor(form, issue.path);
		if (target === null) {
			unplaced.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
			continue;
		}
		const error = target.querySelector(".field-error");
		if (error)
			error.textContent = error.textContent ? `${error.textContent} ${issue.message}` : issue.message;
		target.classList.add("has-error");
		// Inputs may name their exact path (weekly.monday.0.start); otherwise the whole field is marked.
		const exact = target.querySelector(`[data-path="${CSS.escape(issue.path)}"]`);
		for (const input of exact ? [exact] : target.querySelectorAll("input, select, textarea")) {
			input.setAttribute("aria-invalid", "true");
		}
	}
	if (issues.length === 0 && fallback) unplaced.push(fallback);
	if (summary instanceof HTMLElement) {
		summary.hidden = unplaced.length === 0;
		replace(
			summary,
			unplaced.length
				? h(
						"ul",
						null,
						unplaced.map((m) => h("li", { text: m })),
					)
				: null,
		);
	}
	const first = form.querySelector("[aria-invalid='true']") ?? (unplaced.length ? summary : null);
	if (first instanceof HTMLElement) {
		if (!first.hasAttribute("tabindex") && first === summary) first.setAttribute("tabindex", "-1");
		first.focus();
	}
}

/** @param {HTMLElement} form */
export function clearIssues(form) {
	for (const el of form.querySelectorAll(".has-error")) el.classList.remove("has-error");
	for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
	for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
	const summary = form.querySelector(".form-errors");
	if (summary instanceof HTMLElement) {
		summary.hidden = true;
		summary.replaceChildren();
	}
}

/**
 * The element marked data-field with the longest name that the issue's path starts with.
 * @param {HTMLElement} form
 * @param {string} path
 * @returns {HTMLElement | null}
 */
function fieldFor(form, path) {
	let best = null;
	for (const el of form.querySelectorAll("[data-field]")) {
		const name = /** @type {HTMLElement} */ (el).dataset.field ?? "";
		if (name === "" || !(path === name || path.startsWith(`${name}.`))) continue;
		if (best === null || name.length > (best.dataset.field ?? "").length)
			best = /** @type {HTMLElement} */ (el);
	}
	return best;
}

/** @returns {HTMLElement} a summary box for problems that belong to no single field */
export const formErrors = () =>
	h("div", { class: "form-errors", role: "alert", "data-testid": "form-errors", hidden: true });

/**
 * Disables a submit button while `work` runs, with a busy label.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {string} busyLabel
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function busy(button, busyLabel, work) {
	const label = button.textContent;
	button.disabled = true;
	button.setAttribute("aria-busy", "true");
	button.textContent = busyLabel;
	try {
		return await work();
	} finally {
		button.disabled = false;
		button.removeAttribute("aria-busy");
		button.textContent = label;
	}
}
