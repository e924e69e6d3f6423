// @ts-check
// Doctor → day → (visit type) → slot, with the day's grid kept live by public/live.js, the chosen slot held on
// the server while the form is filled (moved with the choice), and a lost choice explained.
import { hideAlternatives, nearestFree, showAlternatives } from "./alternatives.js";
import { ApiError } from "./api.js";
import { createCheckout, refusalMessage } from "./booking-checkout.js";
import { createDateStrip } from "./date-strip.js";
import { firstFreeDay, freeOnNextDay } from "./doctor-days.js";
import { createDoctorPicker } from "./doctor-picker.js";
import { byId, focusOn, h, toast } from "./dom.js";
import { createLiveDay } from "./live-day.js";
import { createSlotGrid } from "./slot-grid.js";
import { createSlotHold } from "./slot-hold.js";
import { addDays, formatDate, isDate, todayIn, zoneLabel } from "./time.js";
import { canStart, createVisitTypeChoice } from "./visit-types.js";
import { createWaitlistPanel } from "./waitlist-panel.js";

/** @typedef {import("../live.js").Day} Day */
/** @typedef {import("../live.js").Slot} Slot */
/** @typedef {import("./doctor-picker.js").Doctor} Doctor */

/**
 * @param {{session: () => {token: string, user: any} | null, onSession: (s: {token: string, user: any}) => void,
 *   onUnauthorized: () => void, onBooked: (appointment: any) => void,
 *   onDoctorDay: (doctorId: string, date: string) => void}} hooks
 */
export function createBookingFlow(hooks) {
	const picker = createDoctorPicker({
		list: byId("doctor-list"),
		search: /** @type {HTMLInputElement} */ (byId("doctor-search")),
		specialty: /** @type {HTMLSelectElement} */ (byId("specialty-filter")),
		onPick: (picked) => {
			// Choosing the doctor already shown again must not throw away the day, the choice or the hold.
			if (picked.id !== doctor?.id) void chooseDoctor(picked, null);
			if (narrow()) byId("day-section").scrollIntoView({ behavior: "smooth", block: "start" });
		},
	});
	const strip = createDateStrip({ container: byId("date-strip"), onPick: (d) => openDay(d) });
	const grid = createSlotGrid({
		container: byId("slot-grid"),
		onSelect: (slot) => select(slot.start),
		onFull: (slot) => waitlist.pickFull(slot),
	});
	const waitlist = createWaitlistPanel({
		container: byId("waitlist"),
		token: () => patientToken(),
		onUnauthorized: hooks.onUnauthorized,
		onBooked: (appointment) => hooks.onBooked(appointment),
	});
	const visitTypes = createVisitTypeChoice({ container: byId("visit-types"), onChange: typeChanged });
	const alternatives = byId("alternatives");
	const liveStatus = byId("live-status");
	const checkout = createCheckout({
		container: byId("details"),
		hint: byId("details-hint"),
		session: hooks.session,
		onSession: hooks.onSession,
		onUnauthorized: hooks.onUnauthorized,
		hold: (start) => liveDay.hold(start, start !== null && slotHold.current?.start === start),
		onBooked: (appointment) => {
			slotHold.forget();
			selected = null;
			checkout.show(null);
			hooks.onBooked(appointment);
		},
		onRefused: (start, message, offered) => {
			lost(start, message, offered);
			// The live channel brings the change too; reading the day once more is cheap and covers a stalled one.
			void liveDay.reload();
		},
	});

	const liveDay = createLiveDay({
		onDay: received,
		onLost: (start, message, day) => lost(start, message, null, day),
		onStatus: (status) => {
			liveStatus.dataset.state = status;
			liveStatus.textContent = { connecting: "Connecting…", open: "Live", closed: "Reconnecting…" }[status];
		},
		onFailed: () => grid.failed({ code: SLOT_FETCH_ERROR, retry: refresh }),
	});
	const slotHold = createSlotHold({
		onExpired: (hold) => {
			if (selected === hold.start) lost(hold.start, refusalMessage("HOLD_EXPIRED") ?? "", null);
		},
	});
	const refreshButton = byId("slots-refresh");
	refreshButton.addEventListener("click", () => void refresh());

	/** @type {Doctor | null} */
	let doctor = null;
	let timeZone = "UTC";
	let date = "";
	/** @type {string | null} */
	let selected = null;
	/** @type {string | null} a slot to select once its day arrives (an alternative on another day) */
	let pending = null;

	/**
	 * @param {Doctor} next
	 * @param {string | null} wanted a date from the address, used unless it is in the past
	 */
	async function chooseDoctor(next, wanted) {
		doctor = next;
		picker.setCurrent(next.id);
		// The day on screen is the previous doctor's: none of its slots may be picked for this one.
		liveDay.clear();
		waitlist.clear();
		visitTypes.clear();
		releaseHold();
		selected = null;
		grid.loading();
		showChoice();
		if (!next.timezone) {
			byId("slots-panel").hidden = true;
			byId("date-strip").hidden = true;
			Object.assign(byId("day-hint"), {
				hidden: false,
				textContent: `${next.name} has not published a schedule yet.`,
			});
			return showChoice();
		}
		timeZone = next.timezone;
		const today = todayIn(timeZone);
		const target =
			isDate(wanted) && String(wanted) >= today ? String(wanted) : await firstFreeDay(next.id, today);
		if (doctor !== next) return;
		strip.show(next.id, today, target);
		openDay(target);
	}

	/**
	 * @param {string} next
	 * @param {string | null} [thenSelect]
	 */
	function openDay(next, thenSelect = null) {
		if (doctor === null) return;
		date = next;
		releaseHold();
		selected = null;
		pending = thenSelect;
		hideAlternatives(alternatives);
		byId("day-hint").hidden = true;
		byId("slots-panel").hidden = false;
		byId("slots-title").textContent = formatDate(date);
		byId("tz-note").textContent = `Times are in the doctor's time zone, ${zoneLabel(timeZone)}.`;
		grid.loading();
		showChoice();
		hooks.onDoctorDay(doctor.id, date);
		liveDay.open(doctor.id, date);
	}

	/** @param {Day} day */
	function received(day) {
		visitTypes.show(day);
		const type = visitTypes.current();
		byId("legend-too-short").hidden = type === null;
		if (pending !== null) {
			const wanted = pending;
			pending = null;
			if (day.slots.some((s) => s.start === wanted && canStart(s, type?.id ?? null))) return select(wanted);
		}
		// A choice this page does not hold (not signed in) is lost when its visit no longer fits there.
		const chosen = day.slots.find((s) => s.start === selected);
		if (type !== null && chosen?.status === "available" && !canStart(chosen, type.id) && !holding())
			return lost(chosen.start, `The ${chosen.time} slot no longer has time for a ${type.name}.`, null, day);
		grid.render(day, selected, type);
		strip.update(day);
		waitlist.show(day);
		if (day.slots.length === 0) offerNextDay();
	}

	/** Reads the day again and resyncs its live channel; a grid already drawn stays if that fails. */
	async function refresh() {
		if (doctor === null || refreshButton.getAttribute("aria-busy") === "true") return;
		const shown = liveDay.day !== null;
		// Busy without `disabled`, which would drop keyboard focus to the page.
		refreshButton.setAttribute("aria-busy", "true");
		try {
			const ok = await liveDay.refresh();
			if (!ok && shown && liveDay.day !== null)
				toast(
					`We couldn't refresh this day's times (${SLOT_FETCH_ERROR}). The times shown may be out of date.`,
					{
						tone: "error",
						action: { label: "Try again", run: () => void refresh() },
					},
				);
		} finally {
			refreshButton.removeAttribute("aria-busy");
		}
	}

	/** @param {string} start */
	function select(start) {
		const type = visitTypes.current();
		const slot = liveDay.day?.slots.find((s) => s.start === start);
		if (type !== null && slot !== undefined && !canStart(slot, type.id)) {
			toast(`${slot.time} is too short for a ${type.name}. Please choose another time.`, { tone: "warning" });
			return;
		}
		selected = start;
		hideAlternatives(alternatives);
		const canHold = patientToken() !== null;
		// Counted as ours from the start: the live update of our own hold may arrive before its answer.
		liveDay.hold(start, canHold);
		const day = liveDay.day;
		if (day) grid.render(day, selected, type);
		showChoice();
		if (canHold) void holdPlace(start);
		if (selected !== null && narrow())
			byId("details").scrollIntoView({ behavior: "smooth", block: "nearest" });
	}

	/** A signed-in patient's token: only they hold places (others see the sign-in form or a notice). */
	function patientToken() {
		const session = hooks.session();
		return session !== null && session.user.role === "patient" ? session.token : null;
	}

	/**
	 * Keeps the chosen place for the patient while they fill the form; the server replaces their earlier hold.
	 * @param {string} start
	 */
	async function holdPlace(start) {
		const token = patientToken();
		if (token === null || doctor === null) return;
		try {
			const type = visitTypes.current()?.id ?? null;
			const hold = await slotHold.place(token, doctor.id, start, liveDay.day?.version, type);
			if (hold === null || selected !== start) return;
			liveDay.hold(start, true);
			showChoice();
		} catch (error) {
			if (!(error instanceof ApiError) || selected !== start) return;
			if (error.status === 401) return hooks.onUnauthorized();
			const message = error.status === 409 ? refusalMessage(error.code) : null;
			if (message !== null) {
				lost(start, message, error.details.alternatives ?? null);
				// As after a refused booking: the live channel brings the change too, but may have stalled.
				return void liveDay.reload();
			}
			// Not held (a rate limit, a network failure): the slot can still be booked without one.
			liveDay.hold(start, false);
			toast(`We couldn't hold this time for you: ${error.message} You can still book it.`, {
				tone: "warning",
			});
		}
	}

	function releaseHold() {
		slotHold.release(patientToken());
	}

	/** Whether the server holds the chosen slot for this page. */
	function holding() {
		return selected !== null && slotHold.current?.start === selected;
	}

	/**
	 * Another visit type: a chosen slot it cannot start at is dropped; a held one is held again for the new
	 * type (the server replaces the hold, or refuses, and the choice is lost with its reason).
	 * @param {import("../live.js").VisitType | null} type
	 */
	function typeChanged(type) {
		byId("legend-too-short").hidden = type === null;
		const day = liveDay.day;
		const slot = day?.slots.find((s) => s.start === selected);
		if (selected !== null && slot !== undefined && !holding() && !canStart(slot, type?.id ?? null)) {
			selected = null;
			liveDay.hold(null);
		}
		if (day) grid.render(day, selected, type);
		showChoice();
		if (holding() && selected !== null) void holdPlace(selected);
	}

	function showChoice() {
		const slot = selected === null ? undefined : liveDay.day?.slots.find((s) => s.start === selected);
		const hold = slotHold.current?.start === selected ? slotHold.current : null;
		const visitType = visitTypes.current();
		checkout.show(slot && doctor ? { slot, date, doctor, timeZone, hold, visitType } : null);
	}

	/**
	 * The chosen slot can no longer be booked: say so, clear it, and offer the nearest free times.
	 * @param {string} start
	 * @param {string} message
	 * @param {Slot[] | null} offered the API's alternatives, if it gave some
	 * @param {Day | null} next
	 */
	function lost(start, message, offered, next = liveDay.day) {
		const details = byId("details");
		const hadFocus = details.contains(document.activeElement) || document.activeElement === document.body;
		selected = null;
		releaseHold();
		if (next) grid.render(next, null, visitTypes.current());
		showChoice();
		toast(`${message} Please choose another time.`, { tone: "warning" });
		void offerAlternatives(start, offered, hadFocus);
	}

	/**
	 * @param {string} start
	 * @param {Slot[] | null} offered
	 * @param {boolean} moveFocus only when the focused control went away; a live change never steals focus
	 */
	async function offerAlternatives(start, offered, moveFocus) {
		let slots = offered ?? nearestFree(liveDay.day?.slots ?? [], start);
		if (slots.length === 0 && offered === null && doctor) slots = await freeOnNextDay(doctor.id, date);
		showAlternatives({
			container: alternatives,
			slots,
			timeZone,
			currentDate: date,
			onPick: (slot, slotDate) => {
				if (slotDate === date) return select(slot.start);
				strip.select(slotDate);
				openDay(slotDate, slot.start);
			},
		});
		if (moveFocus) focusOn(alternatives.querySelector("h4") ?? alternatives);
	}

	function offerNextDay() {
		const jump = async () => {
			if (doctor === null) return;
			const next = await firstFreeDay(doctor.id, addDays(date, 1));
			strip.select(next);
			openDay(next);
		};
		const text = "Show the next day with free times";
		byId("slot-grid").append(
			h("button", {
				type: "button",
				class: "button subtle",
				"data-testid": "next-free-day",
				text,
				onClick: jump,
			}),
		);
	}

	return {
		chooseDoctor,
		/**
		 * @param {Doctor[]} doctors
		 * @param {{single: boolean}} options one doctor (a widget for one doctor): no picker
		 */
		setDoctors(doctors, { single }) {
			picker.setDoctors(doctors);
			if (doctors.length === 0) picker.showError("This doctor is not available for online booking.");
			if (single && doctors[0]) {
				document.body.classList.add("single-doctor");
				byId("doctor-section").hidden = true;
				byId("book-title").textContent = `Book with ${doctors[0].name}`;
			}
		},
		/**
		 * @param {string} message
		 * @param {() => void} retry
		 */
		doctorsFailed: (message, retry) => picker.showError(`Could not load doctors: ${message}`, retry),
		pause: () => liveDay.pause(),
		resume: () => liveDay.resume(),
		sessionChanged: () => {
			checkout.sessionChanged();
			waitlist.sessionChanged();
			if (liveDay.day !== null) waitlist.show(liveDay.day);
			// Signed in half-way: the slot already chosen is held now.
			if (selected !== null && slotHold.current === null && patientToken() !== null) {
				liveDay.hold(selected, true);
				void holdPlace(selected);
			}
		},
		timeZone: () => timeZone,
	};
}

/** The code a patient can quote when a day's times cannot be loaded. */
const SLOT_FETCH_ERROR = "SLOT_FETCH_ERROR";

/** The layout is one column: moving on should also scroll to what comes next. */
const narrow = () => window.matchMedia("(max-width: 900px)").matches;
