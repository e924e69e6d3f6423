// @ts-check
// The visit type a patient books (when the doctor's schedule has appointment_types): the choice above the
// grid, and whether a slot can start the chosen visit, as the day's availability says (each slot's `types`,
// decided by src/core/visit-types.ts).
import { h, replace } from "./dom.js";

/** @typedef {import("../live.js").Slot} Slot */
/** @typedef {import("../live.js").Day} Day */
/** @typedef {import("../live.js").VisitType} VisitType */

/**
 * Whether a visit of `typeId` (null: a one-slot visit) can start at `slot` now.
 * @param {Slot} slot
 * @param {string | null} typeId
 */
export function canStart(slot, typeId) {
	if (slot.status !== "available") return false;
	return typeId === null || (slot.types?.includes(typeId) ?? false);
}

/**
 * "60 min", "1 h 30 min".
 * @param {number} minutes
 */
export function durationLabel(minutes) {
	const hours = Math.floor(minutes / 60);
	const rest = minutes % 60;
	if (hours === 0) return `${rest} min`;
	return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * The radio group "Standard visit · 30 min", "Long consultation · 60 min", …; hidden for a day without types.
 * @param {{container: HTMLElement, onChange: (type: VisitType | null) => void}} options
 */
export function createVisitTypeChoice({ container, onChange }) {
	/** @type {VisitType[]} */
	let types = [];
	/** @type {string | null} */
	let chosen = null;
	let shown = "";

	/**
	 * @param {VisitType | null} type null: a one-slot visit
	 * @param {number} slotMinutes
	 */
	function option(type, slotMinutes) {
		const id = type?.id ?? "";
		return h(
			"label",
			{ class: "mode visit-type-option" },
			h("input", {
				type: "radio",
				name: "visit_type",
				value: id,
				checked: (chosen ?? "") === id,
				"data-testid": `visit-type-${id || "standard"}`,
				onChange: () => {
					chosen = type?.id ?? null;
					onChange(current());
				},
			}),
			h("span", {
				text: type
					? `${type.name} · ${durationLabel(type.minutes)}`
					: `Standard visit${slotMinutes > 0 ? ` · ${durationLabel(slotMinutes)}` : ""}`,
			}),
		);
	}

	function current() {
		return types.find((t) => t.id === chosen) ?? null;
	}

	return {
		/**
		 * Shows the day's types; a choice the day no longer offers falls back to a standard visit (onChange).
		 * @param {Day} day
		 */
		show(day) {
			types = day.appointment_types ?? [];
			const key = JSON.stringify(types);
			const lost = chosen !== null && current() === null;
			if (lost) chosen = null;
			container.hidden = types.length === 0;
			if (key !== shown || lost) {
				shown = key;
				const first = day.slots[0];
				const slotMinutes = first ? (Date.parse(first.end) - Date.parse(first.start)) / 60_000 : 0;
				replace(
					container,
					types.length === 0
						? []
						: h(
								"fieldset",
								{ class: "modes visit-types-choice" },
								h("legend", { text: "Type of visit" }),
								option(null, slotMinutes),
								types.map((t) => option(t, slotMinutes)),
							),
				);
			}
			if (lost) onChange(null);
		},
		/** Forgets the choice: another doctor or day starts with a standard visit. */
		clear() {
			chosen = null;
			types = [];
			shown = "";
			container.hidden = true;
			replace(container);
		},
		current,
	};
}
