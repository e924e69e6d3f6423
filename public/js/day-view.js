// @ts-check
// One doctor-day for the doctor (and admins): the approval queue, then the day's appointments with the
// patients' names and the visit's buttons (check in, completed, no-show). Moves go to
// POST /api/appointments/:id/status; the doctor's feed brings every other tab's moves in.
import { ApiError, doctorPath, request } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { FREED_STATUSES, STATUS_LABELS } from "./statuses.js";
import { addDays, formatDate, modeLabel } from "./time.js";

/**
 * @typedef {{id: string, doctor_id: string, patient_id: string, patient_name?: string | null, date: string,
 *   time: string, start: string, status: string, consultation_mode: string, reason: string | null}} Appointment
 */

// The moves the server allows (src/core/lifecycle.ts), as buttons: [status asked for, label, style].
const ACTIONS = /** @type {Record<string, [string, string, string][]>} */ ({
	pending: [
		["confirmed", "Confirm", "primary"],
		["declined", "Decline", "subtle"],
	],
	confirmed: [
		["checked_in", "Check in", "primary"],
		["completed", "Completed", "subtle"],
		["no_show", "No-show", "subtle"],
	],
	checked_in: [["completed", "Completed", "primary"]],
});

/**
 * @param {{container: HTMLElement, doctorId: () => string, token: () => string, today: () => string,
 *   onUnauthorized: () => void}} options
 */
export function createDayView({ container, doctorId, token, today, onUnauthorized }) {
	let date = today();
	/** @type {Map<string, Appointment>} */
	let byId = new Map();
	const picker = /** @type {HTMLInputElement} */ (
		h("input", {
			type: "date",
			class: "day-picker",
			"data-testid": "day-view-date",
			"aria-label": "Day",
			value: date,
			onChange: () => picker.value && void show(picker.value),
		})
	);
	const step = (/** @type {number} */ days, /** @type {string} */ label, /** @type {string} */ testid) =>
		h("button", {
			type: "button",
			class: "button subtle compact",
			"data-testid": testid,
			text: label,
			onClick: () => void show(addDays(date, days)),
		});
	const title = h("h3", { class: "day-view-title", "data-testid": "day-view-title" });
	const queue = h("div", { class: "approval-queue", "data-testid": "approval-queue" });
	const list = h("ul", { class: "appointment-list", "data-testid": "day-view-list", "aria-live": "polite" });
	replace(
		container,
		h(
			"div",
			{ class: "day-view-bar" },
			step(-1, "← Previous", "day-view-previous"),
			picker,
			step(1, "Next →", "day-view-next"),
			h("button", {
				type: "button",
				class: "link",
				"data-testid": "day-view-today",
				text: "Today",
				onClick: () => void show(today()),
			}),
		),
		title,
		queue,
		list,
	);

	/** @param {string} wanted */
	async function show(wanted) {
		date = wanted;
		picker.value = wanted;
		container.dataset.date = wanted;
		await reload();
	}

	async function reload() {
		const shown = date;
		try {
			const path = `${doctorPath(doctorId())}/days/${encodeURIComponent(shown)}/appointments`;
			const body = await request("GET", path, { token: token() });
			if (shown !== date) return; // another day was picked meanwhile
			byId = new Map(body.appointments.map((/** @type {Appointment} */ a) => [a.id, a]));
			render();
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) return onUnauthorized();
			replace(list, h("li", { class: "error-text", text: `Could not load the day: ${String(error)}` }));
		}
	}

	function render() {
		const all = [...byId.values()].sort((a, b) => a.start.localeCompare(b.start));
		const pending = all.filter((a) => a.status === "pending");
		const rest = all.filter((a) => a.status !== "pending");
		const active = rest.filter((a) => !FREED_STATUSES.includes(a.status)).length;
		title.textContent = `${formatDate(date)} · ${active} booked${pending.length ? ` · ${pending.length} to approve` : ""}`;
		replace(
			queue,
			pending.length === 0
				? null
				: [
						h("h4", { text: `Awaiting your approval (${pending.length})` }),
						h("ul", { class: "appointment-list" }, pending.map(row)),
					],
		);
		replace(
			list,
			rest.length === 0
				? h("li", { class: "empty", "data-testid": "day-view-empty", text: "No appointments on this day." })
				: rest.map(row),
		);
	}

	/** @param {Appointment} a */
	function row(a) {
		const buttons = (ACTIONS[a.status] ?? []).map(([status, label, tone]) =>
			h("button", {
				type: "button",
				class: `button ${tone} compact`,
				"data-testid": `status-${status}`,
				text: label,
				onClick: (/** @type {Event} */ event) =>
					void move(a, status, /** @type {HTMLButtonElement} */ (event.target)),
			}),
		);
		return h(
			"li",
			{
				class: `appointment day-appointment status-${a.status}`,
				"data-testid": "day-appointment",
				dataset: { appointmentId: a.id, status: a.status },
			},
			h("span", { class: "appointment-time", text: a.time }),
			h(
				"div",
				{ class: "appointment-what" },
				h("span", {
					class: "appointment-doctor",
					"data-testid": "patient-name",
					text: a.patient_name || "Patient (no name)",
				}),
				h("span", { class: "muted small", text: modeLabel(a.consultation_mode) }),
				a.reason ? h("span", { class: "appointment-reason", text: a.reason }) : null,
			),
			h("span", {
				class: `badge badge-${a.status}`,
				"data-testid": "day-appointment-status",
				text: STATUS_LABELS[a.status] ?? a.status,
			}),
			h("div", { class: "row-actions" }, buttons),
		);
	}

	/**
	 * @param {Appointment} a
	 * @param {string} status
	 * @param {HTMLButtonElement} button
	 */
	async function move(a, status, button) {
		button.disabled = true;
		try {
			const body = await request("POST", `/api/appointments/${encodeURIComponent(a.id)}/status`, {
				token: token(),
				body: { status },
			});
			merge(body.appointment);
		} catch (error) {
			button.disabled = false;
			if (error instanceof ApiError && error.status === 401) return onUnauthorized();
			toast(String(/** @type {Error} */ (error).message), { tone: "error" });
			// Another tab may have moved it first: show the day as it is.
			if (error instanceof ApiError && error.code === "INVALID_TRANSITION") void reload();
		}
	}

	/** A newer record of a shown appointment; the feed's records carry no name, so the known one stays. @param {Appointment} a */
	function merge(a) {
		const known = byId.get(a.id);
		byId.set(a.id, { ...a, patient_name: a.patient_name ?? known?.patient_name ?? null });
		render();
	}

	void show(date);
	return {
		/** Shows another date (or the same one again). @param {string} wanted */
		show,
		reload,
		/**
		 * A message of the doctor's feed: a change of the shown day is merged; a booking unknown here is read
		 * again with its patient's name.
		 * @param {{type: string, appointment?: Appointment}} message
		 */
		apply(message) {
			const a = message.appointment;
			if (message.type !== "appointment" || a === undefined || a.date !== date) return;
			if (byId.has(a.id)) merge(a);
			else void reload();
		},
	};
}
