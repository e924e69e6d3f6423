// @ts-check
// Other free times offered when the chosen slot is lost: nearest first, on this day or the next ones.
import { h, replace } from "./dom.js";
import { dateIn, formatDate } from "./time.js";

/** @typedef {import("../live.js").Slot} Slot */

const WANTED = 5;

/**
 * The free slots of a day nearest to `start` (the earliest ones when `start` is empty).
 * @param {Slot[]} slots
 * @param {string} start
 */
export function nearestFree(slots, start) {
	const at = start === "" ? 0 : Date.parse(start);
	return slots
		.filter((s) => s.status === "available" && s.start !== start)
		.sort((a, b) => Math.abs(Date.parse(a.start) - at) - Math.abs(Date.parse(b.start) - at))
		.slice(0, WANTED);
}

/**
 * @param {{container: HTMLElement, slots: Slot[], timeZone: string, currentDate: string,
 *   onPick: (slot: Slot, date: string) => void}} options
 */
export function showAlternatives({ container, slots, timeZone, currentDate, onPick }) {
	container.hidden = false;
	if (slots.length === 0) {
		replace(
			container,
			h("p", {
				class: "muted",
				"data-testid": "alternatives-empty",
				text: "No other free times nearby. Try another day.",
			}),
		);
		return;
	}
	const sorted = [...slots].sort((a, b) => a.start.localeCompare(b.start));
	replace(
		container,
		h("h4", { id: "alternatives-title", text: "Other free times" }),
		h(
			"ul",
			{
				class: "alternatives-list",
				"data-testid": "alternatives-list",
				"aria-labelledby": "alternatives-title",
			},
			sorted.map((slot) => {
				const date = dateIn(slot.start, timeZone);
				const day =
					date === currentDate
						? "Same day"
						: formatDate(date, { weekday: "short", day: "numeric", month: "short" });
				return h(
					"li",
					null,
					h(
						"button",
						{
							type: "button",
							class: "alternative",
							"data-testid": "alternative",
							dataset: { slotStart: slot.start, date },
							"aria-label": `${day}, ${slot.time}`,
							onClick: () => onPick(slot, date),
						},
						h("span", { class: "slot-time", text: slot.time }),
						h("span", { class: "slot-note", text: day }),
					),
				);
			}),
		),
	);
}

/** @param {HTMLElement} container */
export function hideAlternatives(container) {
	container.hidden = true;
	container.replaceChildren();
}
