// @ts-check
// Builds DOM from data without ever parsing HTML, so names and reasons typed by users stay plain text.

/**
 * Creates an element. Props: `class`, `text`, `dataset`, `on<event>` handlers, boolean and value
 * properties; anything else becomes an attribute. Children are nodes or strings (added as text).
 * @param {string} tag
 * @param {Record<string, any> | null} [props]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, props = null, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(props ?? {})) {
		if (value === undefined || value === null || value === false) continue;
		if (key === "class") el.className = value;
		else if (key === "text") el.textContent = String(value);
		else if (key === "dataset") Object.assign(el.dataset, value);
		else if (key.startsWith("on") && typeof value === "function") {
			el.addEventListener(key.slice(2).toLowerCase(), value);
		} else if (key in el && typeof value !== "string") /** @type {any} */ (el)[key] = value;
		else if (key === "value") /** @type {any} */ (el).value = value;
		else el.setAttribute(key, value === true ? "" : String(value));
	}
	append(el, children);
	return el;
}

/**
 * @param {Element} el
 * @param {any[]} children
 */
function append(el, children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false) continue;
		el.append(child instanceof Node ? child : String(child));
	}
}

/**
 * Replaces an element's children.
 * @param {Element} el
 * @param {...any} children
 */
export function replace(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
	const el = document.getElementById(id);
	if (el === null) throw new Error(`#${id} is missing from the page`);
	return el;
}

/**
 * Moves focus to an element that may not be focusable by itself (a heading, a panel), for screen
 * readers and keyboard users after the view changed under them.
 * @param {HTMLElement | null | undefined} el
 */
export function focusOn(el) {
	if (!el) return;
	if (!el.hasAttribute("tabindex") && !isFocusable(el)) el.setAttribute("tabindex", "-1");
	el.focus({ preventScroll: false });
}

/** @param {HTMLElement} el */
function isFocusable(el) {
	return /^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName);
}

/** Warnings stay long enough to read the alternatives they point to; confirmations go sooner. */
const TOAST_MS = { info: 6000, success: 5000, warning: 15_000, error: 15_000 };

/** Removes warnings and errors about a view the page has left, so they cannot mislead on the next one. */
export function clearWarnings() {
	for (const item of byId("toasts").querySelectorAll("[data-tone=warning], [data-tone=error]")) item.remove();
}

/**
 * Shows a short message in the page's toast region (a polite live region, so it is read out), with a close button.
 * @param {string} message
 * @param {{tone?: "info" | "warning" | "error" | "success", action?: {label: string, run: () => void}}} [options]
 */
export function toast(message, options = {}) {
	const region = byId("toasts");
	const item = h(
		"div",
		{
			class: `toast toast-${options.tone ?? "info"}`,
			"data-testid": "toast",
			dataset: { tone: options.tone ?? "info" },
		},
		h("p", { text: message, "data-testid": "toast-message" }),
	);
	const close = () => item.remove();
	if (options.action) {
		const { label, run } = options.action;
		item.append(
			h("button", {
				type: "button",
				class: "link",
				text: label,
				onClick: () => {
					close();
					run();
				},
			}),
		);
	}
	item.append(
		h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", text: "×", onClick: close }),
	);
	region.append(item);
	setTimeout(close, TOAST_MS[options.tone ?? "info"]);
	return item;
}
