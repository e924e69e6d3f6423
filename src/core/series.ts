// Repeating appointments: one start repeated every 1–4 weeks, 2–26 times, all or none. The series is a saga
// owned by the doctor's object (src/doctor/series-saga.ts): hold every occurrence in its own day → confirm
// every hold → done; a conflict in any round gives every place back. Its rules are decided here, time injected.
import type { Actor, Appointment, ConsultationMode } from "./appointment";
import { type DoctorRoute, inDayWindow, outsideWindowRefusal } from "./day-window";
import { holdsPlace } from "./lifecycle";
import { addDays, localDateOf, localTimeOf, localToInstant, parseTime } from "./time";

export const EVERY_WEEKS = { min: 1, max: 4 } as const;
export const SERIES_COUNT = { min: 2, max: 26 } as const;

export interface Occurrence {
	start: number;
	/** The doctor-local date: the day object that owns this occurrence. */
	date: string;
}

/**
 * The occurrence starts: `start` then every `everyWeeks` weeks, at the same wall-clock time in the doctor's
 * zone (so a series across a DST change keeps its hour). A time a spring-forward gap skips gives the gap's
 * end, which is no slot start: that occurrence conflicts (SLOT_NOT_FOUND) rather than moving silently.
 */
export function occurrences(
	start: number,
	everyWeeks: number,
	count: number,
	timeZone: string,
): Occurrence[] {
	const firstDate = localDateOf(start, timeZone);
	const minutes = parseTime(localTimeOf(start, timeZone)) ?? 0;
	return Array.from({ length: count }, (_, k) => {
		const date = addDays(firstDate, 7 * everyWeeks * k);
		return { start: k === 0 ? start : localToInstant(date, minutes, timeZone), date };
	});
}

/** The saga's phases. `undoing` gives back every hold and appointment a round took, then the record goes. */
export type SeriesPhase = "holding" | "confirming" | "undoing" | "done";

export interface SeriesOccurrence extends Occurrence {
	/** Minted when the series begins, so a repeated hold finds the same hold. */
	holdId: string;
	/** The appointment it became, once confirmed. */
	appointmentId: string | null;
}

/** A conflicting occurrence: its start (ISO), its doctor-local date, and the day's refusal code. */
export interface SeriesConflict {
	start: string;
	date: string;
	code: string;
}

export interface SeriesRequest {
	doctorId: string;
	patientId: string;
	start: number;
	everyWeeks: number;
	count: number;
	consultationMode: ConsultationMode;
	reason: string | null;
}

export interface SeriesRecord extends SeriesRequest {
	id: string;
	actor: Actor;
	idempotencyKey: string | null;
	phase: SeriesPhase;
	occurrences: SeriesOccurrence[];
	/** Set when a round met a conflict: what the answer lists. */
	conflicts: SeriesConflict[];
	startedAt: number;
}

export type SeriesStartDecision =
	| { kind: "refused"; code: "IDEMPOTENCY_KEY_REUSED" | "SLOT_IN_PAST" | "DOCTOR_UNAVAILABLE" }
	/** The first occurrences lie outside the doctor's window: conflicts found before any day is touched. */
	| { kind: "outside"; conflicts: SeriesConflict[] }
	/** A retry with the same key: carry the stored series on (or answer it). */
	| { kind: "resume"; series: SeriesRecord }
	| { kind: "begin"; occurrences: Occurrence[] };

/**
 * Whether a series may begin. A retry (same requester and key, same request) resumes the stored series;
 * the key on another request is refused. Occurrences outside the doctor's window are conflicts found here,
 * so no object is created for a date that cannot have slots.
 */
export function decideSeriesStart(
	route: DoctorRoute,
	keyed: SeriesRecord | null,
	request: SeriesRequest,
	now: number,
): SeriesStartDecision {
	if (keyed !== null)
		return sameSeries(keyed, request)
			? { kind: "resume", series: keyed }
			: { kind: "refused", code: "IDEMPOTENCY_KEY_REUSED" };
	if (request.start <= now) return { kind: "refused", code: "SLOT_IN_PAST" };
	if (!route.isApproved || !route.isAvailable || route.timezone === null)
		return { kind: "refused", code: "DOCTOR_UNAVAILABLE" };
	const all = occurrences(request.start, request.everyWeeks, request.count, route.timezone);
	const outside = all
		.filter((o) => !inDayWindow(route, o.date, now))
		.map((o) => ({ ...conflictAt(o), code: outsideWindowRefusal(route, o.start, now) }));
	return outside.length > 0 ? { kind: "outside", conflicts: outside } : { kind: "begin", occurrences: all };
}

function sameSeries(stored: SeriesRequest, request: SeriesRequest): boolean {
	return (
		stored.doctorId === request.doctorId &&
		stored.patientId === request.patientId &&
		stored.start === request.start &&
		stored.everyWeeks === request.everyWeeks &&
		stored.count === request.count &&
		stored.consultationMode === request.consultationMode &&
		stored.reason === request.reason
	);
}

/** One occurrence's answer in a round (a hold or a confirm): taken, or the day's refusal code. */
export type RoundResult = { ok: true } | { ok: false; code: string };

export type RoundOutcome = { kind: "all" } | { kind: "conflicts"; conflicts: SeriesConflict[] };

function conflictAt(o: Occurrence): Omit<SeriesConflict, "code"> {
	return { start: new Date(o.start).toISOString(), date: o.date };
}

/** A round succeeds only when every occurrence did; otherwise each refused one is a conflict. */
export function decideRound(
	series: Pick<SeriesRecord, "occurrences">,
	results: readonly RoundResult[],
): RoundOutcome {
	const conflicts = series.occurrences.flatMap((o, i) => {
		const result = results[i];
		if (result === undefined || result.ok) return [];
		return [{ ...conflictAt(o), code: result.code }];
	});
	return conflicts.length === 0 ? { kind: "all" } : { kind: "conflicts", conflicts };
}

/**
 * A confirm refused because the saga's hold ended (it outlived its hold_seconds, e.g. the runtime died
 * between the rounds) is tried once more as a plain booking under the same key: if the place is still free
 * the series goes on; if not, that occurrence is a conflict and the series is undone.
 */
export function rebookWithoutHold(code: string): boolean {
	return code === "HOLD_EXPIRED";
}

/** The Idempotency-Key an occurrence's booking carries in its day: a repeated confirm finds its appointment. */
export function occurrenceKey(seriesId: string, index: number): string {
	return `series:${seriesId}#${index}`;
}

/** The appointments a cancel of the series ends: those still to come that still hold their place. */
export function remainingToCancel(appointments: readonly Appointment[], now: number): Appointment[] {
	return appointments.filter((a) => holdsPlace(a.status) && Date.parse(a.start) > now);
}
