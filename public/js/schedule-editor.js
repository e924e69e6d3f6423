// @ts-check
// The doctor's weekly schedule as a form: zone, slot length, capacity, horizon, and ranges for each weekday.
import { ApiError, doctorPath, request } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { busy, clearIssues, field, formErrors, showIssues } from "./forms.js";

import {
	createPreview,
	createTypesEditor,
	loadRules,
	readRules,
	ruleFields,
} from "./schedule-rule-fields.js";
import { addHour, cap, checkSchedule, scheduleKey, TIME, WEEKDAYS } from "./schedule-rules.js";

/** @typedef {import("./schedule-rules.js").Range} Range */
/** @typedef {import("./schedule-rules.js").Schedule} Schedule */

/**
 * @param {{form: HTMLElement, doctorId: string, token: () => string,
 *   onSaved: (schedule: Schedule, affected: any[]) => void, onUnauthorized: () => void}} options
 */
export function createScheduleEditor({ form, doctorId, token, onSaved, onUnauthorized }) {
	let dirty = false;
	/** The schedule last loaded, to tell a change made elsewhere from the echo of our own save. */
	let loaded = "";
	/** Fields the form does not show (max_per_patient_per_day): saved back as they were. */
	/** @type {Record<string, any>} */
	let kept = {};
	const types = createTypesEditor();
	const dayLists = new Map(WEEKDAYS.map((day) => [day, h("div", { class: "ranges" })]));
	/** @param {string} day */
	const dayList = (day) => {
		const list = dayLists.get(day);
		if (list === undefined) throw new Error(`${day} is not a weekday`);
		return list;
	};

	const zones = h(
		"datalist",
		{ id: "time-zones" },
		Intl.supportedValuesOf("timeZone").map((z) => h("option", { value: z })),
	);
	const settings = h(
		"div",
		{ class: "schedule-settings" },
		field("Time zone", {
			name: "timezone",
			list: "time-zones",
			autocomplete: "off",
			required: true,
			"data-testid": "schedule-timezone",
		}),
		field("Slot (minutes)", {
			name: "slot_minutes",
			type: "number",
			min: 5,
			max: 720,
			step: 5,
			"data-testid": "schedule-slot-minutes",
		}),
		field("Places per slot", {
			name: "capacity",
			type: "number",
			min: 1,
			max: 1000,
			"data-testid": "schedule-capacity",
		}),
		field("Days ahead", {
			name: "horizon_days",
			type: "number",
			min: 0,
			max: 365,
			"data-testid": "schedule-horizon",
		}),
	);
	const week = h(
		"div",
		{ class: "week" },
		WEEKDAYS.map((day) => {
			return h(
				"div",
				{
					class: "weekday-row",
					"data-field": `weekly.${day}`,
					"data-testid": `schedule-day-${day}`,
					role: "group",
					"aria-label": cap(day),
				},
				h("span", { class: "weekday-name", text: cap(day) }),
				h("div", null, dayList(day), h("p", { class: "field-error" })),
			);
		}),
	);
	const save = /** @type {HTMLButtonElement} */ (
		h("button", {
			type: "submit",
			class: "button primary",
			"data-testid": "schedule-save",
			text: "Save schedule",
		})
	);
	const status = h("span", { class: "muted small", role: "status", "data-testid": "schedule-status" });
	const approval = /** @type {HTMLInputElement} */ (
		h("input", { type: "checkbox", name: "requires_approval", "data-testid": "schedule-requires-approval" })
	);
	replace(
		form,
		zones,
		settings,
		ruleFields(),
		h(
			"label",
			{ class: "check-field" },
			approval,
			" Approve each booking (bookings wait as pending, keeping their place, until you confirm or decline)",
		),
		h("h3", { text: "Opening hours" }),
		week,
		types.element,
		createPreview({ doctorId, token, read: () => read(), onUnauthorized }),
		formErrors(),
		h("div", { class: "actions" }, save, status),
	);
	form.addEventListener("input", () => {
		dirty = true;
		status.textContent = "Unsaved changes";
	});

	/**
	 * @param {string} day
	 * @param {Range[]} ranges
	 */
	function drawDay(day, ranges) {
		const list = dayList(day);
		const rows = ranges.map((range, index) => rangeRow(day, index, range));
		const add = h("button", {
			type: "button",
			class: "link",
			"data-testid": `add-range-${day}`,
			text: ranges.length === 0 ? "Add opening hours" : "Add another range",
			onClick: () => {
				const current = readDay(day);
				const last = current.at(-1);
				const next = last ? { start: last.end, end: addHour(last.end) } : { start: "09:00", end: "17:00" };
				drawDay(day, [...current, next]);
				dirty = true;
				/** @type {HTMLInputElement | null} */ (list.querySelector(".range:last-of-type input"))?.focus();
			},
		});
		replace(list, rows.length ? rows : h("p", { class: "closed", text: "Closed" }), add);
	}

	/**
	 * @param {string} day
	 * @param {number} index
	 * @param {Range} range
	 */
	function rangeRow(day, index, range) {
		const time = (/** @type {string} */ which, /** @type {string} */ value) =>
			h("input", {
				class: `range-${which}`,
				value,
				inputmode: "numeric",
				placeholder: which === "start" ? "09:00" : "17:00",
				pattern: TIME.source,
				"aria-label": `${cap(day)} ${which === "start" ? "from" : "until"} (HH:MM)`,
				"data-testid": `range-${which}`,
				"data-path": `weekly.${day}.${index}.${which}`,
			});
		const row = h(
			"div",
			{ class: "range" },
			time("start", range.start),
			h("span", { class: "range-dash", "aria-hidden": "true", text: "–" }),
			time("end", range.end),
			h("input", {
				class: "range-capacity",
				type: "number",
				min: 1,
				max: 1000,
				value: range.capacity === undefined ? "" : String(range.capacity),
				placeholder: "places",
				"aria-label": `${cap(day)} places per slot in this range (empty: the schedule's)`,
				"data-testid": "range-capacity",
				"data-path": `weekly.${day}.${index}.capacity`,
			}),
			h("button", {
				type: "button",
				class: "icon-button",
				"aria-label": `Remove this ${cap(day)} range`,
				"data-testid": "remove-range",
				text: "×",
				onClick: () => {
					row.remove();
					dirty = true;
					drawDay(day, readDay(day));
					/** @type {HTMLElement | null} */ (dayList(day).querySelector("input, button"))?.focus();
				},
			}),
		);
		return row;
	}

	/** @param {string} day */
	function readDay(day) {
		return [...dayList(day).querySelectorAll(".range")].map((row) => {
			const start = /** @type {HTMLInputElement} */ (row.querySelector(".range-start")).value.trim();
			const end = /** @type {HTMLInputElement} */ (row.querySelector(".range-end")).value.trim();
			const capacity = /** @type {HTMLInputElement} */ (row.querySelector(".range-capacity")).value.trim();
			return capacity === "" ? { start, end } : { start, end, capacity: Number(capacity) };
		});
	}

	/** @param {string} name */
	const input = (name) => /** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`));

	/** @returns {Schedule} */
	function read() {
		return {
			...kept,
			...readRules(form),
			appointment_types: types.read(),
			timezone: input("timezone").value.trim(),
			slot_minutes: Number(input("slot_minutes").value),
			capacity: Number(input("capacity").value),
			horizon_days: Number(input("horizon_days").value),
			requires_approval: approval.checked,
			weekly: Object.fromEntries(WEEKDAYS.map((day) => [day, readDay(day)])),
		};
	}

	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const schedule = read();
		const problems = checkSchedule(schedule);
		if (problems.length > 0) return showIssues(form, problems);
		clearIssues(form);
		void busy(save, "Saving…", async () => {
			try {
				const body = await request("PUT", `${doctorPath(doctorId)}/schedule`, {
					token: token(),
					body: schedule,
				});
				load(body.schedule);
				status.textContent = "Saved";
				toast("Schedule saved.", { tone: "success" });
				onSaved(body.schedule, body.affected_appointments);
			} catch (error) {
				if (!(error instanceof ApiError)) throw error;
				if (error.status === 401) return onUnauthorized();
				showIssues(form, error.issues, error.message);
			}
		});
	});

	/** @param {Schedule | null} schedule */
	function load(schedule) {
		const s = schedule ?? {
			timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
			slot_minutes: 30,
			capacity: 1,
			horizon_days: 60,
			weekly: {},
		};
		input("timezone").value = s.timezone;
		input("slot_minutes").value = String(s.slot_minutes);
		input("capacity").value = String(s.capacity);
		input("horizon_days").value = String(s.horizon_days);
		approval.checked = s.requires_approval === true;
		loadRules(form, s);
		types.draw(s.appointment_types ?? []);
		kept = schedule === null ? {} : { max_per_patient_per_day: schedule.max_per_patient_per_day };
		for (const day of WEEKDAYS) drawDay(day, s.weekly[day] ?? []);
		clearIssues(form);
		dirty = false;
		loaded = scheduleKey(schedule);
		status.textContent = schedule === null ? "No schedule yet: patients cannot book until you save one." : "";
	}

	return {
		load,
		isDirty: () => dirty,
		/** @param {Schedule | null} schedule */
		isShowing: (schedule) => scheduleKey(schedule) === loaded,
	};
}
