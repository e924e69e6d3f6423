// @ts-check
// "My appointments": the patient's bookings, upcoming first, each cancellable until it starts; the page's own
// recent bookings and cancels are laid over the fetched list, which may not show them yet.
import { ApiError, outcomeUnknown, request, requestAllPages } from "./api.js";
import { addToCalendarButton, calendarFeedPanel } from "./calendar-links.js";
import { focusOn, h, replace, toast } from "./dom.js";
import { openReschedule } from "./reschedule-picker.js";
import { roomLink } from "./room-link.js";
import { STATUS_LABELS } from "./statuses.js";
import { formatDate, modeLabel } from "./time.js";

/**
 * @typedef {{id: string, doctor_id: string, date: string, time: string, start: string, end: string,
 *   status: string, consultation_mode: string, reason: string | null, created_at: string,
 *   cancelled_at?: string | null, series_id?: string}} Appointment
 * @typedef {{remember: (appointment: Appointment) => void, overlay: (list: Appointment[]) => Appointment[]}} Recent
 *   the signed-in user's recent results (public/js/recent-appointments.js)
 */

/**
 * @param {{container: HTMLElement, token: string, recent: Recent, doctorName: (id: string) => string,
 *   onCancelled?: (appointment: Appointment) => void}} options
 */
export async function showMyAppointments(options) {
	const { container, token, recent, doctorName, onCancelled } = options;
	replace(container, h("p", { class: "muted", "aria-busy": "true", text: "Loading your appointments…" }));
	let list;
	try {
		list = recent.overlay(await requestAllPages("/api/appointments", "appointments", { token }));
	} catch (error) {
		const again = h("button", {
			type: "button",
			class: "button subtle compact",
			"data-testid": "my-appointments-retry",
			text: "Try again",
			onClick: async () => {
				await showMyAppointments(options);
				const retry = container.querySelector('[data-testid="my-appointments-retry"]');
				focusOn(retry instanceof HTMLElement ? retry : container);
			},
		});
		replace(
			container,
			h("p", {
				class: "error-text",
				role: "alert",
				"data-testid": "my-appointments-error",
				text: error instanceof ApiError ? error.message : String(error),
			}),
			again,
		);
		return;
	}
	// Best effort: the appointments matter more than the waitlist beside them.
	/** @type {WaitlistEntry[]} */
	const waiting = await requestAllPages("/api/waitlist", "entries", { token })
		.then((/** @type {WaitlistEntry[]} */ all) =>
			all.filter((e) => e.status === "waiting" || e.status === "offered"),
		)
		.catch(() => []);
	const now = Date.now();
	const upcoming = list.filter((a) => Date.parse(a.end) > now).sort((a, b) => a.start.localeCompare(b.start));
	const past = list.filter((a) => Date.parse(a.end) <= now).sort((a, b) => b.start.localeCompare(a.start));

	/** @param {Appointment} appointment */
	const row = (appointment) => {
		const status = h("span", {
			class: `badge badge-${appointment.status}`,
			"data-testid": "appointment-status",
			text: label(appointment),
		});
		// Cancelling replaces what is in `cancelArea`, rescheduling what is in `moveArea`; "Add to calendar" stays.
		const cancelArea = h("span", { class: "row-actions" });
		const moveArea = h("span", { class: "row-actions" });
		const actions = h(
			"div",
			{ class: "row-actions" },
			moveArea,
			cancelArea,
			Date.parse(appointment.end) > Date.now()
				? addToCalendarButton(appointment.id, () => token, "button subtle compact")
				: null,
		);
		const item = h(
			"li",
			{
				class: "appointment",
				"data-testid": "my-appointment",
				dataset: { appointmentId: appointment.id, status: appointment.status, slotStart: appointment.start },
			},
			h(
				"div",
				{ class: "appointment-when" },
				h("span", {
					class: "appointment-date",
					text: formatDate(appointment.date, { weekday: "short", day: "numeric", month: "short" }),
				}),
				h("span", { class: "appointment-time", text: appointment.time }),
			),
			h(
				"div",
				{ class: "appointment-what" },
				h("span", { class: "appointment-doctor", text: doctorName(appointment.doctor_id) }),
				h("span", { class: "muted small", text: modeLabel(appointment.consultation_mode) }),
				appointment.reason ? h("span", { class: "appointment-reason", text: appointment.reason }) : null,
			),
			status,
			actions,
		);
		const room = roomLink(appointment);
		if (room !== null) actions.append(room);
		const cancellable =
			(appointment.status === "confirmed" || appointment.status === "pending") &&
			Date.parse(appointment.start) > Date.now();
		if (cancellable)
			moveArea.append(
				h("button", {
					type: "button",
					class: "button subtle compact",
					"data-testid": "reschedule-appointment",
					text: "Reschedule",
					onClick: () =>
						openReschedule({
							area: moveArea,
							appointment,
							token: () => token,
							// The list may not show the move yet: both are laid over it until it does.
							done: (moved) => {
								recent.remember(moved.previous);
								recent.remember(moved.appointment);
								void showMyAppointments(options);
							},
						}),
				}),
			);
		if (cancellable && appointment.series_id) cancelArea.append(seriesCancel(appointment.series_id));
		if (cancellable)
			offerCancel(cancelArea, appointment, (cancelled) => {
				item.dataset.status = cancelled.status;
				status.className = "badge badge-cancelled";
				status.textContent = label(cancelled);
				cancelArea.replaceChildren();
				focusOn(status);
				onCancelled?.(cancelled);
			});
		return item;
	};

	/**
	 * Cancelling asks once more inline (no blocking dialog), then calls the API.
	 * @param {HTMLElement} actions
	 * @param {Appointment} appointment
	 * @param {(a: Appointment) => void} done
	 */
	function offerCancel(actions, appointment, done) {
		const ask = h("button", {
			type: "button",
			class: "button subtle compact",
			"data-testid": "cancel-appointment",
			text: "Cancel",
			onClick: () => confirm(),
		});
		const confirm = () => {
			const yes = /** @type {HTMLButtonElement} */ (
				h("button", {
					type: "button",
					class: "button danger compact",
					"data-testid": "confirm-cancel",
					text: "Yes, cancel it",
				})
			);
			const keep = h("button", {
				type: "button",
				class: "button subtle compact",
				"data-testid": "keep-appointment",
				text: "Keep",
				onClick: () => {
					replace(actions, ask);
					ask.focus();
				},
			});
			const cancel = async () => {
				if (yes.getAttribute("aria-busy") === "true") return;
				// Busy without `disabled`, which would drop keyboard focus to the page.
				yes.setAttribute("aria-busy", "true");
				try {
					const body = await request(
						"POST",
						`/api/appointments/${encodeURIComponent(appointment.id)}/cancel`,
						{ token },
					);
					recent.remember(body.appointment);
					toast("Appointment cancelled.", { tone: "success" });
					done(body.appointment);
				} catch (error) {
					// Cancelling again is harmless, so an unanswered cancel is simply tried again.
					const again = { label: "Try again", run: () => void (yes.isConnected ? cancel() : undefined) };
					toast(error instanceof ApiError ? error.message : String(error), {
						tone: "error",
						action: outcomeUnknown(error) ? again : undefined,
					});
				} finally {
					yes.removeAttribute("aria-busy");
				}
			};
			yes.addEventListener("click", () => void cancel());
			replace(actions, h("span", { class: "small", text: "Cancel this appointment?" }), yes, keep);
			yes.focus();
		};
		actions.append(ask);
	}

	/**
	 * "Cancel series": every occurrence still to come, in one call (harmless twice, so a retry finishes it).
	 * @param {string} seriesId
	 */
	function seriesCancel(seriesId) {
		const button = /** @type {HTMLButtonElement} */ (
			h("button", {
				type: "button",
				class: "button subtle compact",
				"data-testid": "cancel-series",
				text: "Cancel series",
			})
		);
		button.addEventListener("click", async () => {
			if (button.getAttribute("aria-busy") === "true") return;
			button.setAttribute("aria-busy", "true");
			try {
				const body = await request("POST", `/api/appointment-series/${encodeURIComponent(seriesId)}/cancel`, {
					token,
				});
				/** @type {Appointment[]} */
				const appointments = body.series.appointments;
				for (const a of appointments) recent.remember(a);
				const ended = appointments.filter((a) => a.status === "cancelled").length;
				toast(`Series cancelled: ${ended} of ${appointments.length} appointments are cancelled.`, {
					tone: "success",
				});
				void showMyAppointments(options);
			} catch (error) {
				toast(error instanceof ApiError ? error.message : String(error), { tone: "error" });
			} finally {
				button.removeAttribute("aria-busy");
			}
		});
		return button;
	}

	const section = (
		/** @type {string} */ title,
		/** @type {Appointment[]} */ items,
		/** @type {string} */ testid,
	) =>
		h(
			"section",
			{ class: "appointments-group" },
			h("h2", { text: title }),
			h("ul", { class: "appointment-list", "data-testid": testid }, items.map(row)),
		);
	replace(
		container,
		list.length === 0
			? h("p", {
					class: "empty",
					"data-testid": "my-appointments-empty",
					text: "You have no appointments yet.",
				})
			: null,
		upcoming.length ? section("Upcoming", upcoming, "upcoming-appointments") : null,
		waiting.length
			? waitlistSection(waiting, token, doctorName, () => void showMyAppointments(options))
			: null,
		past.length ? section("Past", past, "past-appointments") : null,
		calendarFeedPanel(() => token),
	);
}

/** @param {Appointment} a */
const label = (a) => STATUS_LABELS[a.status] ?? a.status;

/**
 * @typedef {{id: string, doctor_id: string, date: string, start: string | null, position: number | null,
 *   status: string, offered_time: string | null, offer_expires_at: string | null}} WaitlistEntry
 */

/**
 * The patient's places in waitlists, with Accept on an offer and Leave on each.
 * @param {WaitlistEntry[]} entries
 * @param {string} token
 * @param {(id: string) => string} doctorName
 * @param {() => void} again shows the page once more after a change
 */
function waitlistSection(entries, token, doctorName, again) {
	/**
	 * @param {WaitlistEntry} entry
	 * @param {string} method
	 * @param {string} path
	 */
	const act = async (entry, method, path) => {
		try {
			await request(method, `/api/waitlist/${encodeURIComponent(entry.id)}${path}`, { token });
		} catch (error) {
			toast(error instanceof ApiError ? error.message : String(error), { tone: "warning" });
		}
		again();
	};
	const row = (/** @type {WaitlistEntry} */ entry) =>
		h(
			"li",
			{ class: "appointment", "data-testid": "my-waitlist-entry", dataset: { status: entry.status } },
			h(
				"div",
				{ class: "appointment-when" },
				h("span", {
					class: "appointment-date",
					text: formatDate(entry.date, { weekday: "short", day: "numeric", month: "short" }),
				}),
				h("span", {
					class: "appointment-time",
					text: entry.offered_time ?? (entry.start ? entry.start.slice(11, 16) : "Any time"),
				}),
			),
			h(
				"div",
				{ class: "appointment-what" },
				h("span", { class: "appointment-doctor", text: doctorName(entry.doctor_id) }),
				h("span", {
					class: "muted small",
					text:
						entry.status === "offered"
							? "A place freed up: it is kept for you for a short while."
							: `Waiting: number ${entry.position ?? "?"} in line.`,
				}),
			),
			h(
				"div",
				{ class: "row-actions" },
				entry.status === "offered"
					? h("button", {
							type: "button",
							class: "button primary compact",
							text: "Accept",
							onClick: () => act(entry, "POST", "/accept"),
						})
					: null,
				h("button", {
					type: "button",
					class: "button subtle compact",
					text: "Leave",
					onClick: () => act(entry, "DELETE", ""),
				}),
			),
		);
	return h(
		"section",
		{ class: "appointments-group" },
		h("h2", { text: "Waitlist" }),
		h("ul", { class: "appointment-list", "data-testid": "my-waitlist" }, entries.map(row)),
	);
}
