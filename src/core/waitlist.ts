// The waitlist of a doctor-day: who waits for a full slot (or any slot of a full day), and who is offered a
// place that frees, first come first offered. An offer is a hold for the entry's patient (src/core/holds.ts),
// so it counts against everyone else until accepted, declined or expired. Pure, time injected.
import { type Actor, canAccessAppointment } from "./appointment";
import { type BookedCounts, decideBooking, doctorBookable, type RefusalCode } from "./booking";
import { type DayConfig, dayOpenness, patientDayLimit, reservedPlaces, scheduledSlots } from "./day-config";
import { type BookCommand, type BookState, type DayEvent, decideBook } from "./day-decider";
import { type Hold, type HoldRecord, heldCounts } from "./holds";

/** How long an offer keeps its place unless the schedule says otherwise. */
export const DEFAULT_OFFER_SECONDS = 900;

export type WaitlistStatus = "waiting" | "offered" | "accepted" | "declined" | "expired" | "left";

/** An entry as the day keeps it (and events carry it); the API adds `position`. */
export interface WaitlistEntry {
	id: string;
	doctor_id: string;
	patient_id: string;
	date: string;
	/** The slot waited for; null: any slot of the day. */
	start: string | null;
	status: WaitlistStatus;
	created_at: string;
	/** Set once offered: the slot offered, its hold, and when the offer ends. */
	offered_start: string | null;
	/** The offered slot's doctor-local time ("HH:MM"). */
	offered_time: string | null;
	offer_expires_at: string | null;
	hold_id: string | null;
	/** Set once accepted. */
	appointment_id: string | null;
}

export function offerSeconds(config: DayConfig): number {
	return config.offerSeconds ?? DEFAULT_OFFER_SECONDS;
}

/** Entries still in line for a place (an offered one holds it). */
export function isOpen(entry: WaitlistEntry): boolean {
	return entry.status === "waiting" || entry.status === "offered";
}

/** Two entries want the same place when either takes any slot, or both name the same one. */
function competes(a: WaitlistEntry, b: WaitlistEntry): boolean {
	return a.start === null || b.start === null || a.start === b.start;
}

/** 1 + the waiting entries ahead of this one (in `entries`' order) that want a place it could take; null once not waiting. */
export function positionOf(entries: readonly WaitlistEntry[], entry: WaitlistEntry): number | null {
	if (entry.status !== "waiting") return null;
	let ahead = 0;
	for (const other of entries) {
		if (other.id === entry.id) break;
		if (other.status === "waiting" && competes(other, entry)) ahead++;
	}
	return ahead + 1;
}

/** The hold an offer is: named after its entry (an entry is offered at most once). */
export function offerHoldId(entryId: string): string {
	return `${entryId}.offer`;
}

/** A patient's confirmed places on the day: how many, and at which starts. */
export interface PatientPlaces {
	count: number;
	starts: ReadonlySet<number>;
}

export interface WaitlistState {
	config: DayConfig;
	booked: BookedCounts;
	/** The day's live holds (offers included). */
	holds: readonly HoldRecord[];
	/** The day's entries in the order they joined. */
	entries: readonly WaitlistEntry[];
	places: ReadonlyMap<string, PatientPlaces>;
	/** The day's bookings holding a place plus live holds, for `max_per_day` (0 when absent). */
	dayBookings?: number;
}

/** Free places a patient could take now, per slot start (only slots with at least one). */
export function freePlaces(
	state: Omit<WaitlistState, "entries" | "places">,
	now: number,
): Map<number, number> {
	const { config } = state;
	const held = heldCounts(state.holds, now);
	const ask = { dayBookings: state.dayBookings ?? 0 };
	const free = new Map<number, number>();
	for (const slot of scheduledSlots(config)) {
		if (slot.start <= now) continue;
		if (!decideBooking(config, slot.start, now, state.booked, false, held, ask).ok) continue;
		// A patient never gets the reserved places, even by an offer.
		const taken = (state.booked.get(slot.start) ?? 0) + (held.get(slot.start)?.count ?? 0);
		const places = slot.capacity - reservedPlaces(config) - taken;
		if (places > 0) free.set(slot.start, places);
	}
	return free;
}

/** The day's future slot starts, in order, when the day takes bookings at all. */
function candidateSlots(config: DayConfig, now: number): number[] {
	if (!doctorBookable(config) || dayOpenness(config, now) !== "open") return [];
	return scheduledSlots(config)
		.map((s) => s.start)
		.filter((start) => start > now);
}

export interface JoinCommand {
	/** Minted outside, so the decision stays pure. */
	id: string;
	patientId: string;
	start: number | null;
}

export type JoinRefusalCode = RefusalCode | "SLOT_AVAILABLE" | "ALREADY_WAITING";

export type JoinDecision =
	| { kind: "joined"; entry: WaitlistEntry; events: DayEvent[] }
	| { kind: "refused"; code: JoinRefusalCode };

/** Refusals a freed place can end: a full slot or day, or places held by others. */
const WAITABLE: ReadonlySet<string> = new Set(["SLOT_FULL", "SLOT_HELD", "DAY_FULL"]);

/** Joins the line only when nothing can be had now: a free place is SLOT_AVAILABLE, a second entry ALREADY_WAITING. */
export function decideJoin(state: WaitlistState, command: JoinCommand, now: number): JoinDecision {
	const { config } = state;
	const refuse = (code: JoinRefusalCode): JoinDecision => ({ kind: "refused", code });
	const wanted = command.start === null ? null : new Date(command.start).toISOString();
	const same = state.entries.find(
		(e) => e.patient_id === command.patientId && isOpen(e) && e.start === wanted,
	);
	if (same !== undefined) return refuse("ALREADY_WAITING");
	const mine = state.places.get(command.patientId);
	const held = heldCounts(state.holds, now);
	const ask = { dayBookings: state.dayBookings ?? 0 };
	if (command.start !== null) {
		const patientHoldsSlot = mine?.starts.has(command.start) ?? false;
		const decision = decideBooking(config, command.start, now, state.booked, patientHoldsSlot, held, ask);
		if (decision.ok) return refuse("SLOT_AVAILABLE");
		if (!WAITABLE.has(decision.code)) return refuse(decision.code);
	} else {
		if (!doctorBookable(config)) return refuse("DOCTOR_UNAVAILABLE");
		const openness = dayOpenness(config, now);
		if (openness === "clinic_closed") return refuse("CLINIC_CLOSED");
		if (openness !== "open") return refuse("DAY_UNAVAILABLE");
		const slots = candidateSlots(config, now);
		const outcomes = slots.map((s) =>
			decideBooking(config, s, now, state.booked, mine?.starts.has(s) ?? false, held, ask),
		);
		if (outcomes.some((d) => d.ok)) return refuse("SLOT_AVAILABLE");
		// Nothing left that could ever free for this patient: every slot is blocked, past or theirs already.
		if (!outcomes.some((d) => !d.ok && WAITABLE.has(d.code))) return refuse("DAY_UNAVAILABLE");
	}
	const entry: WaitlistEntry = {
		id: command.id,
		doctor_id: config.doctorId,
		patient_id: command.patientId,
		date: config.date,
		start: wanted,
		status: "waiting",
		created_at: new Date(now).toISOString(),
		offered_start: null,
		offered_time: null,
		offer_expires_at: null,
		hold_id: null,
		appointment_id: null,
	};
	return { kind: "joined", entry, events: [{ type: "waitlist.joined", entry }] };
}

/**
 * Offers every free place to the first waiting entry that fits, in the order they joined: each place to one
 * entry only (an offer is a hold, so the place is no longer free), a patient never to a slot they hold or
 * beyond their day's limit. The caller applies the offers in the transaction that freed the places.
 */
export function decideOffers(state: WaitlistState, now: number): DayEvent[] {
	const waiting = state.entries.filter((e) => e.status === "waiting");
	if (waiting.length === 0) return [];
	const free = freePlaces(state, now);
	if (free.size === 0) return [];
	const places = new Map(state.places);
	const slots = scheduledSlots(state.config);
	const events: DayEvent[] = [];
	// Each offer is a hold, which counts toward `max_per_day`.
	const maxPerDay = state.config.maxPerDay ?? null;
	let dayLeft = maxPerDay === null ? Number.POSITIVE_INFINITY : maxPerDay - (state.dayBookings ?? 0);
	for (const entry of waiting) {
		if (dayLeft <= 0) break;
		const mine = places.get(entry.patient_id) ?? { count: 0, starts: new Set<number>() };
		if (mine.count >= patientDayLimit(state.config)) continue;
		const fits = (start: number) => (free.get(start) ?? 0) > 0 && !mine.starts.has(start);
		const start = entry.start === null ? [...free.keys()].find(fits) : Date.parse(entry.start);
		if (start === undefined || !fits(start)) continue;
		const slot = slots.find((s) => s.start === start);
		if (slot === undefined) continue;
		free.set(start, (free.get(start) ?? 0) - 1);
		dayLeft -= 1;
		places.set(entry.patient_id, { count: mine.count + 1, starts: new Set([...mine.starts, start]) });
		const expiresAt = new Date(now + offerSeconds(state.config) * 1000).toISOString();
		const hold: Hold = {
			id: offerHoldId(entry.id),
			doctor_id: entry.doctor_id,
			patient_id: entry.patient_id,
			start: new Date(slot.start).toISOString(),
			end: new Date(slot.end).toISOString(),
			expires_at: expiresAt,
		};
		const offered: WaitlistEntry = {
			...entry,
			status: "offered",
			offered_start: hold.start,
			offered_time: slot.time,
			offer_expires_at: expiresAt,
			hold_id: hold.id,
		};
		events.push({ type: "waitlist.offered", entry: offered, hold });
	}
	return events;
}

/** Offers whose time is up, as waitlist.expired events (their holds expire at the same instant). */
export function decideOfferExpiry(entries: readonly WaitlistEntry[], now: number): DayEvent[] {
	return entries
		.filter((e) => e.status === "offered" && Date.parse(e.offer_expires_at ?? "") <= now)
		.map((e) => ({ type: "waitlist.expired", entry: { ...e, status: "expired" } }));
}

export type EntryRefusalCode = "NOT_FOUND" | "FORBIDDEN" | "OFFER_EXPIRED" | "ALREADY_BOOKED";

export type AcceptDecision =
	| { kind: "accepted"; entry: WaitlistEntry; events: DayEvent[] }
	| { kind: "refused"; code: EntryRefusalCode | "SLOT_UNAVAILABLE" };

/**
 * Accepting books the offer's hold (decideBook with the hold), so it cannot lose to anyone; a second accept
 * finds the entry accepted. `book` is the booking state for the offer's hold.
 */
export function decideAccept(
	entry: WaitlistEntry | null,
	actor: Actor,
	book: BookState,
	command: BookCommand,
	now: number,
): AcceptDecision {
	if (entry === null) return { kind: "refused", code: "NOT_FOUND" };
	if (!canAccessAppointment(actor, entry)) return { kind: "refused", code: "FORBIDDEN" };
	if (entry.status === "accepted") return { kind: "refused", code: "ALREADY_BOOKED" };
	if (!offerIsLive(entry, now)) return { kind: "refused", code: "OFFER_EXPIRED" };
	const decision = decideBook(book, command, now);
	if (decision.kind !== "booked") {
		// The hold is live, so only the schedule can refuse it now (the doctor blocked the slot, say).
		const expired = decision.kind === "refused" && decision.code === "HOLD_EXPIRED";
		return { kind: "refused", code: expired ? "OFFER_EXPIRED" : "SLOT_UNAVAILABLE" };
	}
	const accepted: WaitlistEntry = { ...entry, status: "accepted", appointment_id: decision.appointment.id };
	return {
		kind: "accepted",
		entry: accepted,
		events: [...decision.events, { type: "waitlist.accepted", entry: accepted }],
	};
}

function offerIsLive(entry: WaitlistEntry, now: number): boolean {
	return entry.status === "offered" && Date.parse(entry.offer_expires_at ?? "") > now;
}

export type EntryChange =
	| { kind: "changed"; entry: WaitlistEntry; events: DayEvent[] }
	| { kind: "unchanged"; entry: WaitlistEntry }
	| { kind: "refused"; code: EntryRefusalCode };

/** Declining gives the offer's place back (to the next in line); harmless twice. */
export function decideDecline(
	entry: WaitlistEntry | null,
	hold: HoldRecord | null,
	actor: Actor,
	now: number,
): EntryChange {
	if (entry === null) return { kind: "refused", code: "NOT_FOUND" };
	if (!canAccessAppointment(actor, entry)) return { kind: "refused", code: "FORBIDDEN" };
	if (entry.status === "declined") return { kind: "unchanged", entry };
	if (!offerIsLive(entry, now)) return { kind: "refused", code: "OFFER_EXPIRED" };
	return ended(entry, "declined", hold);
}

/** Leaving the line (DELETE): an offer held gives its place back; harmless twice, and once the entry ended. */
export function decideLeave(
	entry: WaitlistEntry | null,
	hold: HoldRecord | null,
	actor: Actor,
	now: number,
): EntryChange {
	if (entry === null) return { kind: "refused", code: "NOT_FOUND" };
	if (!canAccessAppointment(actor, entry)) return { kind: "refused", code: "FORBIDDEN" };
	if (entry.status === "offered" && !offerIsLive(entry, now)) return { kind: "unchanged", entry };
	if (!isOpen(entry)) return { kind: "unchanged", entry };
	return ended(entry, "left", hold);
}

function ended(entry: WaitlistEntry, status: "declined" | "left", hold: HoldRecord | null): EntryChange {
	const after: WaitlistEntry = { ...entry, status };
	const events: DayEvent[] = [];
	if (entry.status === "offered" && hold !== null && hold.status === "live")
		events.push({ type: "hold.released", hold: hold.hold, reason: "released" });
	events.push({ type: status === "declined" ? "waitlist.declined" : "waitlist.left", entry: after });
	return { kind: "changed", entry: after, events };
}
