// The doctor-day's decider: given what the day holds and a command, the events it causes or a refusal.
// The object reads the state, calls these, and writes the events in the same transaction.
import {
	type Actor,
	type Appointment,
	type AppointmentRequest,
	canAccessAppointment,
	createAppointment,
	isSameRequest,
	type Role,
} from "./appointment";
import { type BookedCounts, decideBooking, outsideSchedule, type RefusalCode } from "./booking";
import { type DayConfig, patientDayLimit, tooLateToCancel, typeSlots } from "./day-config";
import {
	type Hold,
	type HoldRecord,
	heldCounts,
	holdStart,
	isLive,
	liveHoldCount,
	patientHold,
	slotChangedSince,
} from "./holds";
import { type AppointmentStatus, canMove, moved } from "./lifecycle";
import { type ReminderKind, shouldSendReminder } from "./reminders";
import type { WaitlistEntry } from "./waitlist";

/**
 * What a doctor-day's transactions record; each consumer (D1 projection, Doctor object, notifications, …)
 * gets every one, and ignores the types it has no use for. Fields are only ever added, optional when events
 * written before them may still be stored.
 */
export type DayEvent =
	| { type: "appointment.booked"; appointment: Appointment; booked_by: string }
	| { type: "appointment.cancelled"; appointment: Appointment; cancelled_by: Role }
	| {
			/** A doctor's or admin's move (src/core/lifecycle.ts): confirmed, declined, checked in, done, no-show. */
			type: "appointment.status_changed";
			appointment: Appointment;
			from: AppointmentStatus;
			changed_by: Role;
			/** A reschedule (status `rescheduled`): the appointment that took its place. */
			to?: Appointment;
	  }
	| { type: "appointment.reminder"; appointment: Appointment; reminder: ReminderKind }
	| {
			type: "day.config_changed";
			config_version: number;
			/** Confirmed future appointments this change newly left outside the schedule (kept, never cancelled). */
			outside_schedule?: Appointment[];
	  }
	| { type: "hold.placed"; hold: Hold; placed_by: string }
	| { type: "hold.released"; hold: Hold; reason: "released" | "replaced" | "booked" }
	| { type: "hold.expired"; hold: Hold }
	| { type: "waitlist.joined"; entry: WaitlistEntry }
	/** A freed place offered to the entry: the hold keeps it for the patient until the offer ends. */
	| { type: "waitlist.offered"; entry: WaitlistEntry; hold: Hold }
	| { type: "waitlist.accepted"; entry: WaitlistEntry }
	| { type: "waitlist.declined"; entry: WaitlistEntry }
	| { type: "waitlist.expired"; entry: WaitlistEntry }
	| { type: "waitlist.left"; entry: WaitlistEntry };

export type DayEventType = DayEvent["type"];

export interface BookCommand extends AppointmentRequest {
	bookedBy: string;
	idempotencyKey: string | null;
	/** The id the appointment gets if booked (minted outside, so the decision stays pure). */
	id: string;
	/** The hold this booking turns into the appointment, if any. */
	holdId?: string | null;
	/** The day version the client's page showed (`expected_version`), if it sent one. */
	expectedVersion?: number | null;
	/** Set when a reschedule makes this booking: the appointment it replaces. */
	rescheduledFrom?: string;
	/** Set when a series saga makes this booking: the series it belongs to. */
	seriesId?: string;
	/**
	 * A patient books for themself or their dependents, so the patients' rules (notice, reserved places,
	 * limits) bind. Absent: only when the booker is the patient; a doctor or admin booking for one is staff.
	 */
	byPatient?: boolean;
}

export interface BookState {
	config: DayConfig;
	booked: BookedCounts;
	/** The appointment booked earlier under this command's Idempotency-Key (still unexpired), if any. */
	keyed: Appointment | null;
	/** Whether the patient already holds a place at the command's start. */
	patientHoldsSlot: boolean;
	/** Places the patient holds on this day (confirmed), whoever booked them. */
	patientPlaces: number;
	/** The day's live holds; others' count against the booking. */
	holds: readonly HoldRecord[];
	/** The command's hold (in any status), when it names one. */
	hold: HoldRecord | null;
	/** The appointment the command's hold already became, if it did (a retried confirm). */
	holdAppointment: Appointment | null;
	/** The day version at which the command's slot last changed. */
	slotChangedAt: number;
	/** The day's appointments that hold a place (pending ones too), for `max_per_day`. */
	dayBookings: number;
}

/** UNKNOWN_TYPE: the schedule has no appointment type of that id (the API answers it as a 400). */
export type BookRefusalCode =
	| RefusalCode
	| "SLOT_CHANGED"
	| "HOLD_EXPIRED"
	| "HOLD_MISMATCH"
	| "FORBIDDEN"
	| "UNKNOWN_TYPE";

export type BookDecision =
	/** `slots`: the start of every slot the appointment takes (several for a multi-slot type). */
	| { kind: "booked"; appointment: Appointment; events: DayEvent[]; slots: number[] }
	| { kind: "replayed"; appointment: Appointment }
	| { kind: "key_reused"; appointment: Appointment }
	| { kind: "refused"; code: BookRefusalCode; booked: number; capacity: number; heldUntil?: number };

export function decideBook(state: BookState, command: BookCommand, now: number): BookDecision {
	if (state.keyed !== null) {
		// A retry answers the first booking; the same key for another booking is refused.
		return isSameRequest(state.keyed, command)
			? { kind: "replayed", appointment: state.keyed }
			: { kind: "key_reused", appointment: state.keyed };
	}
	const booked = state.booked.get(command.start) ?? 0;
	const refuse = (code: BookRefusalCode): BookDecision => ({
		kind: "refused",
		code,
		booked,
		capacity: state.config.capacity,
	});
	const holdId = command.holdId ?? null;
	if (holdId !== null) {
		const held = state.hold;
		if (held === null) return refuse("HOLD_EXPIRED");
		if (held.hold.patient_id !== command.patientId) return refuse("FORBIDDEN");
		if (holdStart(held) !== command.start) return refuse("HOLD_MISMATCH");
		// A confirm retried after its answer was lost gets the appointment the hold became.
		if (held.status === "booked" && state.holdAppointment !== null)
			return { kind: "replayed", appointment: state.holdAppointment };
		if (!isLive(held, now)) return refuse("HOLD_EXPIRED");
	}
	if (slotChangedSince(state.slotChangedAt, command.expectedVersion ?? null)) return refuse("SLOT_CHANGED");
	// A hold of a type is confirmed as that type; naming another type is a mismatch.
	const heldType = holdId !== null ? (state.hold?.hold.type ?? null) : null;
	const type = command.type ?? heldType;
	if (holdId !== null && type !== heldType) return refuse("HOLD_MISMATCH");
	const slots = typeSlots(state.config, type);
	if (slots === null) return refuse("UNKNOWN_TYPE");
	// The place this booking uses, if the patient holds one here: it must not count against them.
	const own = holdId !== null ? state.hold : ownHoldAt(state.holds, command, now);
	const except = own?.hold.id ?? null;
	const selfBooked = command.byPatient ?? command.bookedBy === command.patientId;
	// The patient's own hold of this very visit already passed the rules: its confirm cannot lose its place,
	// even once the notice has begun or only reserved places are left.
	const vouched = own !== null && (own.hold.type ?? null) === type;
	// The caller applies this in the same synchronous transaction that read `booked` and the holds.
	const decision = decideBooking(
		state.config,
		command.start,
		now,
		state.booked,
		state.patientHoldsSlot,
		heldCounts(state.holds, now, except),
		{
			staff: !selfBooked || vouched,
			slots,
			dayBookings: state.dayBookings + liveHoldCount(state.holds, now, except),
		},
	);
	if (!decision.ok) {
		const { ok: _ok, ...refusal } = decision;
		return { kind: "refused", ...refusal };
	}
	// One account cannot take a whole day; doctors and admins booking for a patient may go beyond.
	if (selfBooked && state.patientPlaces >= patientDayLimit(state.config)) return refuse("PATIENT_DAY_LIMIT");
	const created = createAppointment(command.id, state.config, { ...command, type }, decision.slot, now);
	const appointment: Appointment = {
		...created,
		...(command.rescheduledFrom === undefined ? {} : { rescheduled_from: command.rescheduledFrom }),
		...(command.seriesId === undefined ? {} : { series_id: command.seriesId }),
	};
	const events: DayEvent[] = [];
	if (own !== null) events.push({ type: "hold.released", hold: own.hold, reason: "booked" });
	events.push({ type: "appointment.booked", appointment, booked_by: command.bookedBy });
	return { kind: "booked", appointment, events, slots: decision.slots.map((slot) => slot.start) };
}

/** The patient's live hold on the command's slot: booking there without naming it still uses it. */
function ownHoldAt(holds: readonly HoldRecord[], command: BookCommand, now: number): HoldRecord | null {
	const own = patientHold(holds, command.patientId, now);
	return own !== null && holdStart(own) === command.start ? own : null;
}

/** The slot start a day event changes, if it is about one slot. */
export function eventSlot(event: DayEvent): number | null {
	switch (event.type) {
		case "appointment.booked":
		case "appointment.cancelled":
		case "appointment.status_changed":
			return Date.parse(event.appointment.start);
		case "hold.placed":
		case "hold.released":
		case "hold.expired":
		case "waitlist.offered":
			return Date.parse(event.hold.start);
		default:
			return null;
	}
}

export type CancelDecision =
	| { kind: "cancelled"; appointment: Appointment; events: DayEvent[] }
	| { kind: "unchanged"; appointment: Appointment }
	| {
			kind: "refused";
			code:
				| "APPOINTMENT_NOT_FOUND"
				| "FORBIDDEN"
				| "SLOT_IN_PAST"
				| "INVALID_TRANSITION"
				| "TOO_LATE_TO_CANCEL";
	  };

export interface CancelCommand {
	actor: Actor;
	/** The day's config, for its `cancel_cutoff_minutes` (a day with none has no cutoff). */
	config?: DayConfig | null;
	/** The account is being deleted: its places are freed even inside the cutoff. */
	overrideCutoff?: boolean;
	/**
	 * A dependent the caller owns, checked by the Worker from the id's MAC (src/lib/appointment-ids.ts): its
	 * owner may cancel its appointments (when removing it, or deleting the account).
	 */
	ownedDependent?: string;
}

export function decideCancel(
	stored: Appointment | null,
	command: CancelCommand,
	now: number,
): CancelDecision {
	if (stored === null) return { kind: "refused", code: "APPOINTMENT_NOT_FOUND" };
	const owner =
		command.actor.role === "patient" &&
		command.ownedDependent !== undefined &&
		command.ownedDependent === stored.patient_id;
	if (!owner && !canAccessAppointment(command.actor, stored)) return { kind: "refused", code: "FORBIDDEN" };
	// Cancelling twice answers the same cancelled appointment and frees nothing a second time.
	if (stored.status === "cancelled") return { kind: "unchanged", appointment: stored };
	if (Date.parse(stored.start) <= now) return { kind: "refused", code: "SLOT_IN_PAST" };
	// A declined (or completed, …) appointment has nothing left to cancel.
	if (!canMove(command.actor.role, stored.status, "cancelled"))
		return { kind: "refused", code: "INVALID_TRANSITION" };
	// The cutoff binds patients only: the doctor and admins may still cancel.
	const patient = command.actor.role === "patient" && command.overrideCutoff !== true;
	if (patient && tooLateToCancel(command.config ?? null, Date.parse(stored.start), now))
		return { kind: "refused", code: "TOO_LATE_TO_CANCEL" };
	const appointment = moved(stored, "cancelled", command.actor, now);
	return {
		kind: "cancelled",
		appointment,
		events: [{ type: "appointment.cancelled", appointment, cancelled_by: command.actor.role }],
	};
}

interface ConfirmedBooking {
	appointment: Appointment;
	start: number;
	end: number;
}

/**
 * A newer config is a change of the day, recorded like any other. It names the confirmed bookings it leaves
 * outside the schedule that were inside it before, so each is told once, not at every later edit.
 */
export function decideConfig(
	held: DayConfig | null,
	pushed: DayConfig,
	confirmed: readonly ConfirmedBooking[] = [],
	now = 0,
): DayEvent[] {
	if (held !== null && held.version >= pushed.version) return [];
	const before = new Set(
		held === null ? [] : outsideSchedule(held, confirmed, now).map((b) => b.appointment.id),
	);
	const outside = outsideSchedule(pushed, confirmed, now)
		.filter((b) => !before.has(b.appointment.id))
		.map((b) => b.appointment);
	const event: DayEvent = { type: "day.config_changed", config_version: pushed.version };
	return [outside.length > 0 ? { ...event, outside_schedule: outside } : event];
}

/** A reminder timer came due: the reminder, unless the appointment is gone, cancelled, started or nearer. */
export function decideReminder(stored: Appointment | null, reminder: ReminderKind, now: number): DayEvent[] {
	if (stored === null || !shouldSendReminder(reminder, stored, now)) return [];
	return [{ type: "appointment.reminder", appointment: stored, reminder }];
}

/** A family booking: the caller and their dependents into one slot, all or none. */
export interface GroupBookCommand extends Omit<BookCommand, "patientId" | "id" | "holdId"> {
	patientIds: readonly string[];
	/** One minted id per patient, in the same order. */
	ids: readonly string[];
}

export interface GroupBookState extends Omit<BookState, "keyed" | "patientHoldsSlot" | "patientPlaces"> {
	/** Per patient, the appointment booked earlier under this command's key (and that patient's place in it). */
	keyed: readonly (Appointment | null)[];
	/** The patients who already hold a place at the command's start. */
	inSlot: ReadonlySet<string>;
	/** Places each patient holds on this day. */
	places: ReadonlyMap<string, number>;
}

export type GroupBookDecision =
	| { kind: "booked"; appointments: Appointment[]; events: DayEvent[] }
	| { kind: "replayed"; appointments: Appointment[] }
	| { kind: "key_reused" }
	| {
			kind: "refused";
			code: BookRefusalCode;
			booked: number;
			capacity: number;
			heldUntil?: number;
			patientId: string;
	  };

/**
 * Each patient is decided as a booking of their own, against the counts the ones before them took: the
 * first refusal refuses the whole group, so the caller writes all of them or nothing.
 */
export function decideGroupBook(
	state: GroupBookState,
	command: GroupBookCommand,
	now: number,
): GroupBookDecision {
	const { patientIds } = command;
	if (state.keyed.some((a) => a !== null)) {
		const same = patientIds.every((patientId, i) => {
			const earlier = state.keyed[i];
			return earlier != null && isSameRequest(earlier, { ...command, patientId });
		});
		return same ? { kind: "replayed", appointments: state.keyed as Appointment[] } : { kind: "key_reused" };
	}
	const booked = new Map(state.booked);
	const appointments: Appointment[] = [];
	const events: DayEvent[] = [];
	for (const [i, patientId] of patientIds.entries()) {
		const decision = decideBook(
			{
				...state,
				booked,
				keyed: null,
				patientHoldsSlot: state.inSlot.has(patientId),
				patientPlaces: state.places.get(patientId) ?? 0,
				hold: null,
				holdAppointment: null,
				// The group's earlier members count toward max_per_day.
				dayBookings: state.dayBookings + i,
			},
			{
				...command,
				patientId,
				id: command.ids[i] as string,
				idempotencyKey: null,
				holdId: null,
				byPatient: true,
			},
			now,
		);
		// The counts shown are the slot's own, not the ones this group's earlier members would have taken.
		if (decision.kind === "refused")
			return { ...decision, booked: state.booked.get(command.start) ?? 0, patientId };
		if (decision.kind !== "booked") return { kind: "key_reused" }; // carries no key or hold: never
		appointments.push(decision.appointment);
		events.push(...decision.events);
		booked.set(command.start, (booked.get(command.start) ?? 0) + 1);
	}
	return { kind: "booked", appointments, events };
}
