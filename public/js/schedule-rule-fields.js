// @ts-check
// The schedule editor's rules (buffer, notice, cutoff, day limit, reserved places, how long holds and waitlist
// offers keep a place), its visit types, and the
// preview of the slots a date would get, asked of POST …/schedule/preview before anything is saved.
import { ApiError, doctorPath, request } from "./api.js";
import { h, replace } from "./dom.js";
import { field } from "./forms.js";

/** @typedef {{id: string, name: string, slots: number}} VisitType */

/** Number fields of the schedule's rules: [name, label, min, max, the API's default] (src/api/schemas.ts). */
const RULES = /** @type {const} */ ([
	["buffer_minutes", "Gap after each slot (minutes)", 0, 720, 0],
	["min_notice_minutes", "Book at least (minutes ahead)", 0, 86400, 0],
	["cancel_cutoff_minutes", "Patients cancel at least (minutes ahead)", 0, 86400, 0],
	["reserved_places", "Places kept for you per slot", 0, 1000, 0],
	["hold_seconds", "A chosen time is held for (seconds)", 10, 3600, 300],
	["offer_seconds", "A waitlist offer lasts (seconds)", 10, 86400, 900],
]);

/** The rules' fields; `max_per_day` left empty means no limit. */
export function ruleFields() {
	return h(
		"div",
		{ class: "schedule-settings schedule-rules" },
		RULES.map(([name, label, min, max]) =>
			field(label, {
				name,
				type: "number",
				min,
				max,
				"data-testid": `schedule-${name.replaceAll("_", "-")}`,
			}),
		),
		field("Bookings per day (empty: no limit)", {
			name: "max_per_day",
			type: "number",
			min: 1,
			"data-testid": "schedule-max-per-day",
		}),
	);
}

/**
 * @param {HTMLElement} form
 * @returns {{buffer_minutes: number, min_notice_minutes: number, cancel_cutoff_minutes: number,
 *   reserved_places: number, hold_seconds: number, offer_seconds: number, max_per_day: number | null}}
 */
export function readRules(form) {
	const value = (/** @type {string} */ name) =>
		/** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`)).value.trim();
	// An emptied field means the default, as leaving the field out of the body would.
	const rules = /** @type {any} */ (
		Object.fromEntries(RULES.map(([name, , , , fallback]) => [name, Number(value(name) || fallback)]))
	);
	rules.max_per_day = value("max_per_day") === "" ? null : Number(value("max_per_day"));
	return rules;
}

/**
 * @param {HTMLElement} form
 * @param {Record<string, any>} schedule
 */
export function loadRules(form, schedule) {
	for (const [name, , , , fallback] of RULES) setValue(form, name, String(schedule[name] ?? fallback));
	setValue(form, "max_per_day", schedule.max_per_day == null ? "" : String(schedule.max_per_day));
}

/**
 * @param {HTMLElement} form
 * @param {string} name
 * @param {string} value
 */
function setValue(form, name, value) {
	/** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`)).value = value;
}

/** Visit types: rows of id, name and slots, with add and remove. */
export function createTypesEditor() {
	const list = h("div", { class: "visit-types", "data-field": "appointment_types" });
	const add = h("button", {
		type: "button",
		class: "link",
		"data-testid": "add-visit-type",
		text: "Add a visit type",
		onClick: () => draw([...read(), { id: "", name: "", slots: 2 }]),
	});
	const element = h(
		"div",
		{ "data-testid": "schedule-visit-types" },
		h("h3", { text: "Visit types" }),
		h("p", { class: "muted small", text: "A visit of a type takes that many consecutive slots." }),
		list,
		h("p", { class: "field-error" }),
		add,
	);

	/** @param {VisitType[]} types */
	function draw(types) {
		replace(
			list,
			types.map((type, index) => {
				const row = h(
					"div",
					{ class: "range visit-type" },
					h("input", {
						class: "type-id",
						value: type.id,
						placeholder: "long",
						"aria-label": "Type id",
						"data-path": `appointment_types.${index}.id`,
					}),
					h("input", {
						class: "type-name",
						value: type.name,
						placeholder: "Long consultation",
						"aria-label": "Type name",
						"data-path": `appointment_types.${index}.name`,
					}),
					h("input", {
						class: "type-slots",
						type: "number",
						min: 1,
						max: 48,
						value: String(type.slots),
						"aria-label": "Slots it takes",
						"data-path": `appointment_types.${index}.slots`,
					}),
					h("button", {
						type: "button",
						class: "icon-button",
						"aria-label": "Remove this visit type",
						text: "×",
						onClick: () => {
							row.remove();
							draw(read());
						},
					}),
				);
				return row;
			}),
		);
	}

	/** @returns {VisitType[]} */
	function read() {
		return [...list.querySelectorAll(".visit-type")].map((row) => ({
			id: /** @type {HTMLInputElement} */ (row.querySelector(".type-id")).value.trim(),
			name: /** @type {HTMLInputElement} */ (row.querySelector(".type-name")).value.trim(),
			slots: Number(/** @type {HTMLInputElement} */ (row.querySelector(".type-slots")).value),
		}));
	}

	return { element, draw, read };
}

/**
 * "Preview slots": the slots the form's schedule would give on a chosen date, asked of the API (pure there).
 * @param {{doctorId: string, token: () => string, read: () => Record<string, any>, onUnauthorized: () => void}} options
 */
export function createPreview({ doctorId, token, read, onUnauthorized }) {
	const date = /** @type {HTMLInputElement} */ (
		h("input", { type: "date", "aria-label": "Date to preview", "data-testid": "schedule-preview-date" })
	);
	date.value = new Date().toISOString().slice(0, 10);
	const output = h("div", { class: "muted small", role: "status", "data-testid": "schedule-preview" });
	const show = h("button", {
		type: "button",
		class: "button",
		"data-testid": "schedule-preview-button",
		text: "Preview slots",
		onClick: async () => {
			output.textContent = "…";
			try {
				const body = await request("POST", `${doctorPath(doctorId)}/schedule/preview`, {
					token: token(),
					body: { ...read(), date: date.value },
				});
				replace(output, describe(body.slots));
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				if (error.status === 401) return onUnauthorized();
				output.textContent = error.issues.length
					? error.issues.map((i) => `${i.path}: ${i.message}`).join(" ")
					: error.message;
			}
		},
	});
	return h("div", { class: "schedule-preview" }, h("h3", { text: "Preview" }), date, " ", show, output);
}

/** @param {{time: string, capacity: number, patient_places: number}[]} slots */
function describe(slots) {
	if (slots.length === 0) return h("p", { text: "No slots on this date." });
	return h(
		"ul",
		{ class: "preview-slots" },
		slots.map((s) =>
			h("li", {
				text: `${s.time}: ${s.capacity} place${s.capacity === 1 ? "" : "s"}${
					s.patient_places < s.capacity ? ` (${s.patient_places} for patients)` : ""
				}`,
			}),
		),
	);
}
