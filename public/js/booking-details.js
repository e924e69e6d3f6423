// @ts-check
// Step 3 of booking: what was chosen, who books (inline sign-in), the consultation mode, a reason, confirm.
import { renderAuthPanel } from "./auth-panel.js";
import { h, replace } from "./dom.js";
import { busy, field, formErrors } from "./forms.js";
import { browserZone, formatDate, formatTime, modeLabel, zoneLabel } from "./time.js";

const MODES = ["in_person", "voice", "video", "chat"];

/** What the patient typed survives re-renders: signing in half-way must not lose the reason. */
const draft = { mode: "in_person", reason: "", everyWeeks: 0, count: 4 };

/** How often a booking may repeat (weeks; 0: once), and how many times at most (the API's limits). */
const REPEATS = [0, 1, 2, 3, 4];
const MAX_COUNT = 26;

/**
 * @typedef {{consultation_mode: string, reason: string | null,
 *   repeat: {every_weeks: number, count: number} | null}} DetailsValues
 */

/**
 * @param {{container: HTMLElement, slot: import("../live.js").Slot, date: string, doctor: {name: string},
 *   timeZone: string, visitType: import("../live.js").VisitType | null, session: {token: string, user: any} | null,
 *   onSession: (session: {token: string, user: any}) => void,
 *   onSubmit: (choice: DetailsValues, form: HTMLElement) => Promise<void>}} options
 */
export function renderDetails({
	container,
	slot,
	date,
	doctor,
	timeZone,
	visitType,
	session,
	onSession,
	onSubmit,
}) {
	const ownZone = browserZone();
	const ownTime = formatTime(slot.start, ownZone);
	const yours = ownZone !== timeZone && ownTime !== slot.time ? ` (${ownTime} your time)` : "";
	// A visit of a type runs its length from the slot's start (slots walk real time, so this is exact).
	const end = visitType
		? new Date(Date.parse(slot.start) + visitType.minutes * 60_000).toISOString()
		: slot.end;
	const summary = h(
		"div",
		{ class: "summary", "data-testid": "booking-summary" },
		h("p", { class: "summary-main", text: `${formatDate(date)} at ${slot.time}` }),
		h("p", {
			class: "muted",
			text: `${doctor.name} · ${visitType ? `${visitType.name} · ` : ""}${slot.time}–${formatTime(end, timeZone)} ${zoneLabel(timeZone)}${yours}`,
		}),
	);

	if (session === null) {
		const auth = h("div");
		renderAuthPanel({
			container: auth,
			allowRegister: true,
			intro: "Sign in or create an account to book.",
			onSession,
		});
		replace(container, summary, auth);
		return;
	}
	if (session.user.role !== "patient") {
		replace(
			container,
			summary,
			h("p", {
				class: "notice",
				text: `You are signed in as ${session.user.name}, a ${session.user.role} account. Sign out and sign in as a patient to book here.`,
			}),
		);
		return;
	}

	const button = /** @type {HTMLButtonElement} */ (
		h("button", {
			type: "submit",
			class: "button primary wide",
			"data-testid": "confirm-booking",
			text: "Confirm booking",
		})
	);
	const modes = h(
		"fieldset",
		{ class: "modes", "data-field": "consultation_mode", "data-testid": "consultation-mode" },
		h("legend", { text: "How would you like to meet?" }),
		MODES.map((mode) =>
			h(
				"label",
				{ class: "mode" },
				h("input", {
					type: "radio",
					name: "consultation_mode",
					value: mode,
					checked: draft.mode === mode,
					"data-testid": `mode-${mode}`,
					onChange: () => {
						draft.mode = mode;
					},
				}),
				h("span", { text: modeLabel(mode) }),
			),
		),
		h("p", { class: "field-error" }),
	);
	const reason = field(
		"Reason for the visit (optional)",
		{
			name: "reason",
			rows: 3,
			maxlength: 1000,
			"data-testid": "reason",
			value: draft.reason,
			onInput: (/** @type {Event} */ e) => {
				draft.reason = /** @type {HTMLTextAreaElement} */ (e.target).value;
			},
		},
		"textarea",
	);
	const form = h(
		"form",
		{ class: "details-form", "data-testid": "booking-form", novalidate: true },
		h("p", { class: "booking-as", text: `Booking as ${session.user.name} (${session.user.email})` }),
		modes,
		reason,
		// A series books standard visits (the series API takes no visit type).
		visitType ? null : repeatFields(),
		formErrors(),
		button,
	);
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const text = draft.reason.trim();
		const repeat = draft.everyWeeks > 0 ? { every_weeks: draft.everyWeeks, count: draft.count } : null;
		void busy(button, repeat ? "Booking the series…" : "Booking…", () =>
			onSubmit({ consultation_mode: draft.mode, reason: text === "" ? null : text, repeat }, form),
		);
	});
	replace(container, summary, form);
}

/** "Repeat": once, or every 1–4 weeks for 2–26 appointments in all (booked all or none). */
function repeatFields() {
	const count = /** @type {HTMLInputElement} */ (
		h("input", {
			type: "number",
			name: "count",
			min: 2,
			max: MAX_COUNT,
			value: String(draft.count),
			"data-testid": "repeat-count",
			onInput: (/** @type {Event} */ e) => {
				const n = Number(/** @type {HTMLInputElement} */ (e.target).value);
				draft.count = Number.isInteger(n) ? Math.min(MAX_COUNT, Math.max(2, n)) : 4;
			},
		})
	);
	const times = h("label", { class: "repeat-count" }, h("span", { text: "Appointments in all" }), count);
	times.hidden = draft.everyWeeks === 0;
	const every = h(
		"select",
		{
			name: "every_weeks",
			"data-testid": "repeat-every",
			onChange: (/** @type {Event} */ e) => {
				draft.everyWeeks = Number(/** @type {HTMLSelectElement} */ (e.target).value);
				times.hidden = draft.everyWeeks === 0;
			},
		},
		REPEATS.map((weeks) =>
			h("option", {
				value: String(weeks),
				selected: weeks === draft.everyWeeks,
				text: weeks === 0 ? "Does not repeat" : weeks === 1 ? "Every week" : `Every ${weeks} weeks`,
			}),
		),
	);
	return h(
		"fieldset",
		{ class: "repeat", "data-field": "every_weeks", "data-testid": "repeat" },
		h("legend", { text: "Repeat" }),
		every,
		times,
		h("p", { class: "field-error" }),
	);
}

/** After a booking the next one starts blank. */
export function resetDraft() {
	draft.mode = "in_person";
	draft.reason = "";
	draft.everyWeeks = 0;
	draft.count = 4;
}
