// @ts-check
// The doctor's appointments of the coming days, grouped by date and kept current by the doctor's live feed.
import { ApiError, request, requestAllPages, withQuery } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { openReschedule } from "./reschedule-picker.js";
import { roomLink } from "./room-link.js";
import { FREED_STATUSES, STATUS_LABELS } from "./statuses.js";
import { addDays, formatDate, modeLabel } from "./time.js";

/** @typedef {import("./my-appointments.js").Appointment & {patient_id: string, patient_name?: string | null}} Appointment */

const DAYS = 14;

/**
 * @param {{container: HTMLElement, rangeLabel: HTMLElement, token: () => string, today: () => string,
 *   onUnauthorized: () => void}} options
 */
export function createAppointmentsBoard({ container, rangeLabel, token, today, onUnauthorized }) {
	/** @type {Map<string, Appointment>} */
	let byId = new Map();
	/** @type {Set<string>} ids that arrived live, highlighted once */
	const fresh = new Set();

	const range = () => ({ from: today(), to: addDays(today(), DAYS - 1) });

	async function reload() {
		const { from, to } = range();
		rangeLabel.textContent = `Next ${DAYS} days`;
		try {
			const list = await requestAllPages(withQuery("/api/appointments", { from, to }), "appointments", {
				token: token(),
			});
			byId = new Map(list.map((/** @type {Appointment} */ a) => [a.id, a]));
			render();
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) return onUnauthorized();
			replace(
				container,
				h("p", {
					class: "error-text",
					text: `Could not load appointments: ${String(/** @type {Error} */ (error).message)}`,
				}),
			);
		}
	}

	function render() {
		const { from, to } = range();
		const shown = [...byId.values()]
			.filter((a) => a.date >= from && a.date <= to)
			.sort((a, b) => a.start.localeCompare(b.start));
		if (shown.length === 0) {
			replace(
				container,
				h("p", {
					class: "empty",
					"data-testid": "doctor-appointments-empty",
					text: "No appointments in the coming days.",
				}),
			);
			return;
		}
		/** @type {Map<string, Appointment[]>} */
		const days = new Map();
		for (const a of shown) days.set(a.date, [...(days.get(a.date) ?? []), a]);
		replace(
			container,
			[...days].map(([date, items]) => {
				const confirmed = items.filter((a) => !FREED_STATUSES.includes(a.status)).length;
				return h(
					"section",
					{ class: "day-group", dataset: { date } },
					h("h3", { text: `${formatDate(date)} · ${confirmed} booked` }),
					h("ul", { class: "appointment-list" }, items.map(row)),
				);
			}),
		);
		fresh.clear();
	}

	/** @param {Appointment} a */
	function row(a) {
		const actions = h("div", { class: "row-actions" }, roomLink(a));
		if ((a.status === "confirmed" || a.status === "pending") && Date.parse(a.start) > Date.now()) {
			actions.append(
				h("button", {
					type: "button",
					class: "button subtle compact",
					"data-testid": "doctor-reschedule-appointment",
					text: "Reschedule",
					onClick: () =>
						openReschedule({
							area: actions,
							appointment: a,
							token,
							done: (moved) => {
								upsert(moved.previous);
								upsert(moved.appointment);
							},
						}),
				}),
			);
			actions.append(
				h("button", {
					type: "button",
					class: "button subtle compact",
					"data-testid": "doctor-cancel-appointment",
					text: "Cancel",
					onClick: () => confirmCancel(actions, a),
				}),
			);
		}
		return h(
			"li",
			{
				class: `appointment doctor-appointment${fresh.has(a.id) ? " is-new" : ""}`,
				"data-testid": "doctor-appointment",
				dataset: { appointmentId: a.id, status: a.status, slotStart: a.start },
			},
			h("span", { class: "appointment-time", text: a.time }),
			h(
				"div",
				{ class: "appointment-what" },
				h("span", {
					class: "appointment-doctor",
					title: a.patient_id,
					text: a.patient_name || `Patient ${shortId(a.patient_id)}`,
				}),
				h("span", { class: "muted small", text: modeLabel(a.consultation_mode) }),
				a.reason ? h("span", { class: "appointment-reason", text: a.reason }) : null,
			),
			h("span", {
				class: `badge badge-${a.status}`,
				text: STATUS_LABELS[a.status] ?? a.status,
			}),
			actions,
		);
	}

	/**
	 * @param {HTMLElement} actions
	 * @param {Appointment} a
	 */
	function confirmCancel(actions, a) {
		const yes = h("button", {
			type: "button",
			class: "button danger compact",
			"data-testid": "doctor-confirm-cancel",
			text: "Yes, cancel",
			onClick: async () => {
				try {
					const body = await request("POST", `/api/appointments/${encodeURIComponent(a.id)}/cancel`, {
						token: token(),
					});
					upsert(body.appointment);
					toast("Appointment cancelled; the patient's place is free again.", { tone: "success" });
				} catch (error) {
					if (error instanceof ApiError && error.status === 401) return onUnauthorized();
					toast(String(/** @type {Error} */ (error).message), { tone: "error" });
				}
			},
		});
		replace(
			actions,
			yes,
			h("button", { type: "button", class: "button subtle compact", text: "Keep", onClick: () => render() }),
		);
		yes.focus();
	}

	/** The feed's records carry no name: the one already shown stays. @param {Appointment} a */
	function upsert(a) {
		const known = byId.get(a.id);
		byId.set(a.id, { ...a, patient_name: a.patient_name ?? known?.patient_name ?? null });
		render();
	}

	return {
		reload,
		/**
		 * A booking, cancellation or status change from the feed.
		 * @param {{event: "booked" | "cancelled" | "status_changed", appointment: Appointment}} message
		 */
		apply(message) {
			const { appointment, event } = message;
			const known = byId.get(appointment.id);
			if (known && known.status === appointment.status) return;
			if (event === "booked") fresh.add(appointment.id);
			upsert(appointment);
			const { from, to } = range();
			if (appointment.date >= from && appointment.date <= to) {
				const when = `${formatDate(appointment.date, { weekday: "short", day: "numeric", month: "short" })} ${appointment.time}`;
				const label = STATUS_LABELS[appointment.status] ?? appointment.status;
				toast(event === "booked" ? `New booking: ${when}.` : `${label}: ${when}.`);
			}
		},
	};
}

/**
 * Patient ids are long and random; a prefix tells them apart on one screen (the full id is the title).
 * @param {string} id
 */
export const shortId = (id) => (id.length > 8 ? `#${id.slice(0, 6)}` : `#${id}`);
