// @ts-check
// Step 3 as a unit: the chosen slot's details form with its hold's countdown, and sending the booking (with
// the hold's id) under one Idempotency-Key per attempt (kept while its outcome is unknown, so a retry can
// never book twice).
import { ApiError, outcomeUnknown, request } from "./api.js";
import { renderDetails, resetDraft } from "./booking-details.js";
import { focusOn, h, toast } from "./dom.js";
import { showIssues } from "./forms.js";
import { timeLeft } from "./slot-hold.js";
import { dateIn, formatDate, formatTime } from "./time.js";

/** The API's refusals that mean "this slot cannot be had", as a patient would want to hear them. */
const REFUSED = {
	SLOT_FULL: "Sorry, that time was just taken.",
	SLOT_UNAVAILABLE: "The doctor is not available at that time any more.",
	SLOT_NOT_FOUND: "That time is no longer in the doctor's schedule.",
	SLOT_IN_PAST: "That time has already started.",
	DAY_UNAVAILABLE: "The doctor does not take bookings on that day.",
	DOCTOR_UNAVAILABLE: "The doctor is not taking bookings at the moment.",
	ALREADY_BOOKED: "You already have this appointment.",
	SLOT_HELD: "Someone else is completing a booking for the last place at that time.",
	HOLD_EXPIRED: "Your hold on that time ran out.",
	SLOT_CHANGED: "That time changed a moment ago.",
	TOO_LATE_TO_BOOK: "That time is too soon to book: the doctor asks for more notice.",
	DAY_FULL: "The doctor takes no more bookings on that day.",
};

/**
 * What to tell a patient when the API refuses them a place, or null when the code is not about the slot.
 * @param {string} code
 */
export function refusalMessage(code) {
	return code in REFUSED ? REFUSED[/** @type {keyof typeof REFUSED} */ (code)] : null;
}

/**
 * @typedef {{slot: import("../live.js").Slot, date: string, doctor: {id: string, name: string},
 *   timeZone: string, hold: import("./slot-hold.js").Hold | null,
 *   visitType: import("../live.js").VisitType | null}} Choice
 */

/**
 * @param {{container: HTMLElement, hint: HTMLElement,
 *   session: () => {token: string, user: any} | null, onSession: (s: {token: string, user: any}) => void,
 *   onUnauthorized: () => void, onBooked: (appointment: any) => void,
 *   hold: (start: string | null) => void,
 *   onRefused: (start: string, message: string, alternatives: any[] | null) => void}} options
 *   `hold` tells the live channel which slot the page holds: none while its own booking is in flight, so
 *   the slot filling up is not reported back as taken by someone else.
 */
export function createCheckout(options) {
	const { container, hint } = options;
	/** @type {Choice | null} */
	let choice = null;
	/**
	 * The attempt whose outcome is unknown (no answer, or a 5xx): retrying the same request sends its key, so
	 * the server answers with the booking it may have made instead of making a second one.
	 * @type {{key: string, request: string} | null}
	 */
	let unsettled = null;
	/** @type {ReturnType<typeof setInterval> | undefined} */
	let ticking;

	function render() {
		hint.hidden = choice !== null;
		container.hidden = choice === null;
		clearInterval(ticking);
		if (choice === null) return container.replaceChildren();
		const focus = focusInForm();
		renderDetails({
			container,
			...choice,
			session: options.session(),
			onSession: options.onSession,
			onSubmit: submit,
		});
		if (choice.hold !== null) showCountdown(choice.hold);
		focus.restore();
	}

	/**
	 * Where the focus is in the form, to put it back after a redraw: the hold's answer redraws the form, and
	 * a keyboard user who has tabbed into it meanwhile must not be sent back to the top of the page.
	 */
	function focusInForm() {
		const controls = () => [...container.querySelectorAll("input, textarea, select, button")];
		const before = controls();
		const focused = document.activeElement;
		const index = focused instanceof HTMLElement ? before.indexOf(focused) : -1;
		const caret =
			focused instanceof HTMLTextAreaElement
				? { start: focused.selectionStart, end: focused.selectionEnd }
				: null;
		return {
			restore() {
				if (index < 0) return;
				const after = controls();
				// Another form (signed out, say) has other controls: leave the focus to its own code.
				if (after.length !== before.length) return;
				const control = after[index];
				if (!(control instanceof HTMLElement)) return;
				control.focus({ preventScroll: true });
				if (caret !== null && control instanceof HTMLTextAreaElement)
					control.setSelectionRange(caret.start, caret.end);
			},
		};
	}

	/** @param {import("./slot-hold.js").Hold} hold */
	function showCountdown(hold) {
		// "left" says it counts down: "for 5:00" beside the slot times read as five o'clock.
		const text = () => `Held for you: ${timeLeft(hold.expires_at, Date.now())} left`;
		// Announced once, not every second: a live region that ticks would talk over the form.
		const line = h("p", { class: "hold-countdown", "data-testid": "hold-countdown", text: text() });
		container.prepend(line);
		ticking = setInterval(() => {
			line.textContent = text();
		}, 1000);
	}

	/**
	 * @param {import("./booking-details.js").DetailsValues} values
	 * @param {HTMLElement} form
	 */
	async function submit(values, form) {
		const session = options.session();
		if (session === null || choice === null) return;
		const { doctor, slot, hold, visitType } = choice;
		const { repeat, ...details } = values;
		const type = visitType?.id ?? null;
		// A series holds its own places (the page's hold on the first is replaced by the series' own).
		const booking = repeat
			? { doctor_id: doctor.id, start: slot.start, ...details, ...repeat }
			: {
					doctor_id: doctor.id,
					start: slot.start,
					...details,
					...(type === null ? {} : { type }),
					// A hold kept for another visit type (its move to this one failed) would not match: book without it.
					...(hold && (hold.type ?? null) === type ? { hold_id: hold.id } : {}),
				};
		// Changed details make another request: its own key (a booking made meanwhile answers ALREADY_BOOKED).
		const same = unsettled?.request === JSON.stringify(booking);
		const key = same && unsettled ? unsettled.key : randomKey();
		unsettled = null;
		options.hold(null);
		try {
			const body = await request("POST", repeat ? "/api/appointment-series" : "/api/appointments", {
				token: session.token,
				body: booking,
				headers: { "Idempotency-Key": key },
			});
			resetDraft();
			if (repeat) {
				const count = body.series.appointments.length;
				toast(
					`Booked ${count} appointments, ${repeat.every_weeks === 1 ? "every week" : `every ${repeat.every_weeks} weeks`}.`,
					{
						tone: "success",
					},
				);
			}
			options.onBooked(repeat ? body.series.appointments[0] : body.appointment);
		} catch (error) {
			if (!(error instanceof ApiError)) throw error;
			if (error.status === 401) return options.onUnauthorized();
			if (error.code === "SERIES_CONFLICT") {
				options.hold(slot.start);
				return showConflicts(form, error.details.conflicts ?? []);
			}
			const message = error.status === 409 ? refusalMessage(error.code) : null;
			if (message !== null) return options.onRefused(slot.start, message, error.details.alternatives ?? null);
			if (outcomeUnknown(error)) {
				// It may have been booked, so the slot stays unheld: its filling up is not "taken by someone else".
				unsettled = { key, request: JSON.stringify(booking) };
				showIssues(form, [], `${error.message} Your booking may not have gone through.`);
				toast(error.message, {
					tone: "error",
					// The form sends the same details again, so the retry carries the same key.
					action: { label: "Try again", run: retry },
				});
				return;
			}
			// Refused (bad input, rate limit): nothing was booked; keep the choice so the patient can retry.
			options.hold(slot.start);
			showIssues(form, error.issues, error.message);
		}
	}

	/**
	 * A series refused: nothing was booked; each date that could not be had, with why and the nearest free times.
	 * @param {HTMLElement} form
	 * @param {{start: string, code: string, alternatives: {start: string, time: string}[]}[]} conflicts
	 */
	function showConflicts(form, conflicts) {
		const timeZone = choice?.timeZone ?? "UTC";
		const list = h(
			"ul",
			{ class: "series-conflicts", "data-testid": "series-conflicts" },
			conflicts.map((c) =>
				h("li", {
					"data-testid": "series-conflict",
					text: `${formatDate(dateIn(c.start, timeZone))} at ${formatTime(c.start, timeZone)}: ${
						refusalMessage(c.code) ?? c.code
					}${c.alternatives.length ? ` Free nearby: ${c.alternatives.map((a) => formatTime(a.start, timeZone)).join(", ")}.` : ""}`,
				}),
			),
		);
		form.querySelector(".series-conflicts")?.remove();
		showIssues(
			form,
			[],
			"These dates cannot be booked, so nothing was booked. Choose another time, or fewer repeats.",
		);
		form.querySelector("[data-testid=repeat]")?.after(list);
	}

	/** The error toast's "Try again": submits the form on screen, while the unanswered attempt is still its. */
	function retry() {
		const form = container.querySelector("form");
		if (unsettled !== null && form instanceof HTMLFormElement) form.requestSubmit();
	}

	return {
		/** @param {Choice | null} next */
		show(next) {
			if (next?.slot.start !== choice?.slot.start) unsettled = null;
			choice = next;
			render();
		},
		/** Signed in or out: redraw, and after an inline sign-in go on to the booking form. */
		sessionChanged() {
			const hadFocus = container.contains(document.activeElement) || document.activeElement === document.body;
			render();
			const target =
				container.querySelector("input[type=radio]:checked") ?? container.querySelector("button");
			if (hadFocus && target instanceof HTMLElement) focusOn(target);
		},
	};
}

function randomKey() {
	if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
