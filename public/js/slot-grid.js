// @ts-check
// A doctor-day's slots as a keyboard-usable grid of buttons, updated in place so focus survives live changes;
// or, when the day could not be loaded, that error with a way to try again. With a visit type chosen, the free
// slots it cannot start at (too little free time after them) are marked and cannot be picked.
import { h, replace } from "./dom.js";
import { canStart } from "./visit-types.js";

/** @typedef {import("../live.js").Slot} Slot */
/** @typedef {import("../live.js").Day} Day */
/** @typedef {import("../live.js").VisitType} VisitType */

const STATUS_WORDS = {
	available: "free",
	held: "held by someone completing a booking",
	full: "full",
	unavailable: "unavailable",
	past: "past",
};

/**
 * @param {{container: HTMLElement, onSelect: (slot: Slot) => void, onFull?: (slot: Slot) => void}} options
 *   `onFull`: a full or held slot was picked (the waitlist offers to wait for it)
 */
export function createSlotGrid({ container, onSelect, onFull }) {
	/** @type {Map<string, HTMLButtonElement>} */
	let buttons = new Map();
	/** @type {Map<string, Slot>} */
	let slots = new Map();
	/** @type {string | null} */
	let selected = null;
	/** @type {VisitType | null} */
	let visit = null;

	container.addEventListener("keydown", (event) => move(container, event));

	/** @param {Slot} slot */
	function paint(slot) {
		let button = buttons.get(slot.start);
		if (button === undefined) {
			button = /** @type {HTMLButtonElement} */ (
				h("button", {
					type: "button",
					class: "slot",
					"data-testid": "slot",
					dataset: { slotStart: slot.start },
					onClick: () => {
						const current = slots.get(slot.start);
						if (current?.status === "available") {
							if (canStart(current, visit?.id ?? null)) onSelect(current);
						} else if (current?.status === "full" || current?.status === "held") onFull?.(current);
					},
				})
			);
			buttons.set(slot.start, button);
		}
		const isSelected = slot.start === selected;
		// The selected slot is the page's own choice (held for its visit): never marked as unfit for it.
		const tooShort =
			visit !== null && !isSelected && slot.status === "available" && !canStart(slot, visit.id);
		button.dataset.status = slot.status;
		button.dataset.fits = String(!tooShort);
		button.dataset.remaining = String(slot.remaining);
		button.classList.toggle("is-selected", isSelected);
		button.setAttribute("aria-pressed", String(isSelected));
		button.setAttribute("aria-disabled", String(slot.status !== "available" || tooShort));
		const words = tooShort ? `free, but too short for a ${visit?.name}` : describe(slot);
		button.setAttribute("aria-label", `${slot.time}, ${words}${isSelected ? ", selected" : ""}`);
		replace(
			button,
			h("span", { class: "slot-time", text: slot.time }),
			// The selected slot held is this page's own hold (otherwise the flow has already dropped the choice).
			h("span", {
				class: "slot-note",
				text: isSelected && slot.status === "held" ? "Held for you" : tooShort ? "Too short" : note(slot),
			}),
		);
		return button;
	}

	return {
		/**
		 * Draws the day, reusing the buttons of slots that are still there.
		 * @param {Day} day
		 * @param {string | null} selectedStart
		 * @param {VisitType | null} [visitType] the visit being booked (null: one slot)
		 */
		render(day, selectedStart, visitType = null) {
			selected = selectedStart;
			visit = visitType;
			container.setAttribute("aria-busy", "false");
			if (day.slots.length === 0) {
				buttons = new Map();
				slots = new Map();
				replace(
					container,
					h("p", { class: "empty", "data-testid": "slots-empty", text: "No slots on this day." }),
				);
				return;
			}
			slots = new Map(day.slots.map((s) => [s.start, s]));
			for (const start of buttons.keys()) if (!slots.has(start)) buttons.delete(start);
			const ordered = day.slots.map(paint);
			const hadFocus = container.contains(document.activeElement) ? document.activeElement : null;
			if (
				ordered.some((b, i) => container.children[i] !== b) ||
				container.children.length !== ordered.length
			) {
				replace(container, ordered);
			}
			const stop = rove(ordered, selectedStart);
			// Focus that was on something now gone (the error's "Try again") goes on to the grid's tab stop.
			if (hadFocus instanceof HTMLElement) (container.contains(hadFocus) ? hadFocus : stop)?.focus();
		},
		loading() {
			buttons = new Map();
			slots = new Map();
			container.setAttribute("aria-busy", "true");
			replace(
				container,
				Array.from({ length: 8 }, () => h("span", { class: "slot skeleton", "aria-hidden": "true" })),
				h("span", { class: "visually-hidden", text: "Loading slots…" }),
			);
		},
		/**
		 * The day could not be loaded: says so with the code support will ask for, and offers to try again.
		 * @param {{code: string, retry: () => Promise<unknown>}} options
		 */
		failed({ code, retry }) {
			const hadFocus = container.contains(document.activeElement);
			buttons = new Map();
			slots = new Map();
			container.setAttribute("aria-busy", "false");
			const again = /** @type {HTMLButtonElement} */ (
				h("button", {
					type: "button",
					class: "button subtle",
					"data-testid": "slot-error-retry",
					"aria-describedby": "slot-error-text",
					text: "Try again",
				})
			);
			again.addEventListener("click", async () => {
				if (again.getAttribute("aria-busy") === "true") return;
				// Busy without `disabled`, which would drop keyboard focus to the page.
				again.setAttribute("aria-busy", "true");
				again.textContent = "Loading…";
				try {
					await retry();
				} finally {
					again.removeAttribute("aria-busy");
					again.textContent = "Try again";
				}
			});
			replace(
				container,
				h(
					"div",
					{ class: "slot-error", role: "alert", "data-testid": "slot-error", dataset: { code } },
					h("p", { id: "slot-error-text", class: "slot-error-text", text: failedText(code) }),
					h("p", { class: "muted small", text: "Check your connection, then try again." }),
					again,
				),
			);
			if (hadFocus) again.focus();
		},
		/** @param {string} start */
		focus(start) {
			buttons.get(start)?.focus();
		},
	};
}

/** @param {string} code */
const failedText = (code) => `We couldn't load this day's times (${code}).`;

/** @param {Slot} slot */
function describe(slot) {
	if (slot.status !== "available") return STATUS_WORDS[slot.status];
	if (slot.capacity > 1) return `${slot.remaining} ${slot.remaining === 1 ? "place" : "places"} left`;
	return "free";
}

/** @param {Slot} slot */
function note(slot) {
	if (slot.status === "available") return slot.capacity > 1 ? `${slot.remaining} left` : "Free";
	return { held: "Held", full: "Full", unavailable: "Unavailable", past: "Past" }[slot.status];
}

/**
 * One tab stop for the whole grid (the selected slot, else the first free one); arrows move inside it.
 * @param {HTMLButtonElement[]} ordered
 * @param {string | null} selectedStart
 */
function rove(ordered, selectedStart) {
	const current = ordered.find((b) => b.tabIndex === 0 && b === document.activeElement);
	const stop =
		current ??
		ordered.find((b) => b.dataset.slotStart === selectedStart) ??
		ordered.find((b) => b.dataset.status === "available" && b.dataset.fits === "true") ??
		ordered[0];
	for (const b of ordered) b.tabIndex = b === stop ? 0 : -1;
	return stop;
}

/**
 * Arrow keys, Home and End move between slots; up and down keep the column.
 * @param {HTMLElement} container
 * @param {KeyboardEvent} event
 */
function move(container, event) {
	const all = /** @type {HTMLButtonElement[]} */ ([...container.querySelectorAll("button.slot")]);
	const index = all.indexOf(/** @type {HTMLButtonElement} */ (event.target));
	if (index < 0) return;
	const columns = Math.max(1, all.filter((b) => b.offsetTop === all[0]?.offsetTop).length);
	const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
	let next = index;
	if (event.key in steps) next = index + steps[/** @type {keyof typeof steps} */ (event.key)];
	else if (event.key === "Home") next = 0;
	else if (event.key === "End") next = all.length - 1;
	else return;
	event.preventDefault();
	const target = all[Math.min(all.length - 1, Math.max(0, next))];
	if (target === undefined) return;
	for (const b of all) b.tabIndex = b === target ? 0 : -1;
	target.focus();
}
