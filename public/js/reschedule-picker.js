// @ts-check
// "Reschedule": an inline picker (any day of the same doctor), then a confirm, then
// POST /api/appointments/:id/reschedule. The new place is secured before the old one goes, so a refusal
// (e.g. the slot filled meanwhile) leaves the appointment as it was. One Idempotency-Key per chosen slot:
// "Try again" after an unanswered request cannot move the appointment twice.
import { ApiError, doctorPath, outcomeUnknown, request } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { formatDate } from "./time.js";

/** @typedef {import("./my-appointments.js").Appointment} Appointment */

/**
 * Opens the picker in `area` (what was there comes back on "Keep").
 * @template {Appointment} T
 * @param {{area: HTMLElement, appointment: T, token: () => string,
 *   done: (moved: {appointment: T, previous: T}) => void}} options
 */
export function openReschedule({ area, appointment, token, done }) {
	const before = [...area.childNodes];
	const back = () => area.replaceChildren(...before);
	const today = new Date().toISOString().slice(0, 10);
	const date = /** @type {HTMLInputElement} */ (
		h("input", {
			type: "date",
			min: today,
			value: appointment.date,
			"aria-label": "New date",
			"data-testid": "reschedule-date",
		})
	);
	const slots = h("div", { class: "row-actions", "data-testid": "reschedule-slots", "aria-live": "polite" });
	const keep = h("button", { type: "button", class: "button subtle compact", text: "Keep", onClick: back });

	async function load() {
		replace(slots, h("span", { class: "muted small", text: "Loading…" }));
		try {
			const day = await request(
				"GET",
				`${doctorPath(appointment.doctor_id)}/availability/date/${encodeURIComponent(date.value)}`,
			);
			/** @type {{start: string, time: string, status: string}[]} */
			const free = day.slots.filter(
				(/** @type {{start: string, status: string}} */ s) =>
					s.status === "available" && s.start !== appointment.start,
			);
			replace(
				slots,
				free.length === 0 ? h("span", { class: "muted small", text: "No free slots that day." }) : null,
				...free.map((slot) =>
					h("button", {
						type: "button",
						class: "button subtle compact",
						"data-testid": "reschedule-slot",
						dataset: { start: slot.start },
						text: slot.time,
						onClick: () => confirmMove(slot),
					}),
				),
			);
		} catch (error) {
			replace(slots, h("span", { class: "error-text small", text: message(error) }));
		}
	}

	/** @param {{start: string, time: string}} slot */
	function confirmMove(slot) {
		const key = crypto.randomUUID();
		const when = `${formatDate(date.value, { weekday: "short", day: "numeric", month: "short" })} at ${slot.time}`;
		const yes = /** @type {HTMLButtonElement} */ (
			h("button", {
				type: "button",
				class: "button compact",
				"data-testid": "confirm-reschedule",
				text: "Move it",
			})
		);
		const move = async () => {
			if (yes.getAttribute("aria-busy") === "true") return;
			yes.setAttribute("aria-busy", "true");
			try {
				const moved = await request(
					"POST",
					`/api/appointments/${encodeURIComponent(appointment.id)}/reschedule`,
					{
						token: token(),
						headers: { "idempotency-key": key },
						body: { start: slot.start },
					},
				);
				toast(`Appointment moved to ${when}.`, { tone: "success" });
				done(moved);
			} catch (error) {
				const again = { label: "Try again", run: () => void (yes.isConnected ? move() : undefined) };
				toast(message(error), { tone: "error", action: outcomeUnknown(error) ? again : undefined });
				if (!outcomeUnknown(error)) void load();
			} finally {
				yes.removeAttribute("aria-busy");
			}
		};
		yes.addEventListener("click", () => void move());
		replace(
			area,
			h("span", { class: "small", text: `Move to ${when}?` }),
			yes,
			h("button", { type: "button", class: "button subtle compact", text: "Back", onClick: () => open() }),
		);
		yes.focus();
	}

	function open() {
		replace(area, date, slots, keep);
		date.focus();
		void load();
	}
	date.addEventListener("change", () => void load());
	open();
}

/** @param {unknown} error */
const message = (error) => (error instanceof ApiError ? error.message : String(error));
