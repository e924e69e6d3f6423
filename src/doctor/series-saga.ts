// A repeating series, driven by the doctor's object: hold every occurrence in its own day (in parallel) →
// confirm every hold → done; a conflict in either round gives back every hold and appointment taken, so the
// series ends all or none. The phase is stored before each round, and the `series:<id>` timer (the object's
// one alarm) carries an interrupted series on from its phase: every step is idempotent (hold ids fixed at
// the start, bookings keyed by series and occurrence), so after a crash it ends the same way.

import { ALTERNATIVES_WANTED, nearestFirst } from "../core/alternatives";
import type { Actor, Appointment } from "../core/appointment";
import { canAccessAppointment } from "../core/appointment";
import type { SlotView } from "../core/booking";
import type { DoctorConfig } from "../core/doctor-config";
import {
	decideRound,
	decideSeriesStart,
	occurrenceKey,
	type RoundResult,
	rebookWithoutHold,
	remainingToCancel,
	type SeriesConflict,
	type SeriesOccurrence,
	type SeriesPhase,
	type SeriesRecord,
	type SeriesRequest,
} from "../core/series";
import type { BookResult, HoldResult } from "../doctor-day/results";
import { doctorDay } from "../doctor-day/stub";
import { mintDayId, mintSeriesId } from "../lib/appointment-ids";
import { hop } from "../lib/hops";
import type { DueTimer, Scheduler } from "../lib/scheduler";
import type { SeriesStore } from "./series-store";

export const SERIES_TIMER_PREFIX = "series:";
/**
 * How soon the alarm carries on a series its request did not finish. The saga's holds last the day's
 * hold_seconds (5 minutes by default), far longer; a confirm that comes later still books the place if it
 * is free (`rebookWithoutHold`), and undoes the series if not.
 */
const SERIES_RETRY_MS = 5_000;

export interface SeriesView {
	id: string;
	doctor_id: string;
	patient_id: string;
	every_weeks: number;
	count: number;
	appointments: Appointment[];
}

export type ConflictView = SeriesConflict & { alternatives: SlotView[] };

export type SeriesResult =
	| { ok: true; series: SeriesView; replayed: boolean }
	| { ok: false; code: "SERIES_CONFLICT"; conflicts: ConflictView[] }
	| {
			ok: false;
			code:
				| "IDEMPOTENCY_KEY_REUSED"
				| "SLOT_IN_PAST"
				| "DOCTOR_UNAVAILABLE"
				| "NOT_FOUND"
				| "FORBIDDEN"
				| "INVALID_TRANSITION";
	  };

/** Free slots after a date, from the doctor's summaries (no call to any day). */
type LaterAlternatives = (date: string, wanted: number) => Promise<SlotView[]>;

export class SeriesSaga {
	/** Series being driven in this instance: a retry or the alarm joins the run instead of racing it. */
	private readonly runs = new Map<string, Promise<SeriesResult>>();
	/**
	 * One hold round at a time per doctor: two series after the same places cannot each take some and both
	 * lose; the first to hold gets them all, the other meets its holds.
	 */
	private holdRounds: Promise<unknown> = Promise.resolve();

	constructor(
		private readonly env: Env,
		private readonly storage: DurableObjectStorage,
		private readonly store: SeriesStore,
		private readonly timers: Scheduler,
		private readonly laterAlternatives: LaterAlternatives,
	) {}

	async start(config: DoctorConfig, request: SeriesRequest, actor: Actor, key: string | null) {
		const keyed = () => (key === null ? null : this.store.findByKey(actor.userId, key));
		const decision = decideSeriesStart(config, keyed(), request, Date.now());
		if (decision.kind === "refused") return { ok: false as const, code: decision.code };
		// Dates beyond the horizon have no slots to offer instead.
		if (decision.kind === "outside")
			return this.conflictAnswer(decision.conflicts.map((c) => ({ ...c, alternatives: [] })));
		let series: SeriesRecord;
		let replayed = decision.kind === "resume";
		if (decision.kind === "resume") series = decision.series;
		else {
			const id = await mintSeriesId(this.env.AUTH_SECRET, request.doctorId);
			const holdIds = await Promise.all(
				decision.occurrences.map((o) => mintDayId(this.env.AUTH_SECRET, "hold", request.doctorId, o.date)),
			);
			// A request with the same key may have begun meanwhile (the mints awaited): then this one joins it.
			series = this.storage.transactionSync(() => {
				const now = Date.now();
				const earlier = keyed();
				if (earlier !== null) {
					replayed = true;
					return earlier;
				}
				const begun: SeriesRecord = {
					...request,
					id,
					actor,
					idempotencyKey: key,
					phase: "holding",
					occurrences: decision.occurrences.map((o, i) => ({
						...o,
						holdId: holdIds[i] as string,
						appointmentId: null,
					})),
					conflicts: [],
					startedAt: now,
				};
				this.store.save(begun);
				this.timers.at(SERIES_TIMER_PREFIX + id, now + SERIES_RETRY_MS);
				return begun;
			});
			await this.timers.arm();
		}
		const result = await this.drive(series.id);
		return result.ok ? { ...result, replayed } : result;
	}

	/** The series with its appointments as their days have them now (one call per occurrence, in parallel). */
	async view(id: string, actor: Actor): Promise<SeriesResult> {
		const series = this.store.find(id);
		if (series === null) return { ok: false, code: "NOT_FOUND" };
		if (!canAccessAppointment(actor, { doctor_id: series.doctorId, patient_id: series.patientId }))
			return { ok: false, code: "FORBIDDEN" };
		return { ok: true, series: await this.seriesView(series), replayed: false };
	}

	/** Cancels the occurrences still to come; each cancel is idempotent, so a retry finishes the job. */
	async cancel(id: string, actor: Actor): Promise<SeriesResult> {
		const series = this.store.find(id);
		if (series === null) return { ok: false, code: "NOT_FOUND" };
		if (!canAccessAppointment(actor, { doctor_id: series.doctorId, patient_id: series.patientId }))
			return { ok: false, code: "FORBIDDEN" };
		if (series.phase !== "done") return { ok: false, code: "INVALID_TRANSITION" };
		const view = await this.seriesView(series);
		const cancelled = new Map<string, Appointment>();
		await Promise.all(
			remainingToCancel(view.appointments, Date.now()).map(async (a) => {
				hop(this.env, "object→object", "before", "Doctor.cancelSeries");
				const result = await doctorDay(this.env, a.doctor_id, a.date).cancel(a.id, actor);
				// One the day will not cancel (inside the cutoff) stays as it is, and is shown so.
				if (result.ok) cancelled.set(a.id, result.appointment);
			}),
		);
		const appointments = view.appointments.map((a) => cancelled.get(a.id) ?? a);
		return { ok: true, series: { ...view, appointments }, replayed: false };
	}

	/** The series timer came due: its request did not finish it. A failure tries again later. */
	async retry(timer: DueTimer, now: number): Promise<void> {
		const id = timer.name.slice(SERIES_TIMER_PREFIX.length);
		try {
			await this.drive(id);
		} catch (error) {
			console.error(
				JSON.stringify({ event: "series_saga_retry_failed", series_id: id, error: String(error) }),
			);
			this.storage.transactionSync(() => this.timers.at(timer.name, now + SERIES_RETRY_MS));
		}
	}

	private drive(id: string): Promise<SeriesResult> {
		let run = this.runs.get(id);
		if (run === undefined) {
			run = this.run(id).finally(() => this.runs.delete(id));
			this.runs.set(id, run);
		}
		return run;
	}

	/** Carries the series on from its stored phase; each round's outcome is stored before the next begins. */
	private async run(id: string): Promise<SeriesResult> {
		let series = this.store.find(id);
		if (series === null) return { ok: false, code: "NOT_FOUND" };
		const sameDay = new Map<string, SlotView[]>();
		if (series.phase === "holding") {
			const holding = series;
			const round = this.holdRounds.then(() =>
				Promise.all(holding.occurrences.map((o) => this.holdOne(holding, o, sameDay))),
			);
			this.holdRounds = round.catch(() => undefined);
			const outcome = decideRound(series, await round);
			series =
				outcome.kind === "all"
					? this.advance(series, "confirming")
					: this.advance(series, "undoing", { conflicts: outcome.conflicts });
		}
		if (series.phase === "confirming") {
			const confirming = series;
			const booked = await Promise.all(
				confirming.occurrences.map((o, i) => this.confirmOne(confirming, o, i)),
			);
			const occurrences = confirming.occurrences.map((o, i) => {
				const result = booked[i];
				return result?.ok ? { ...o, appointmentId: result.appointment.id } : o;
			});
			const outcome = decideRound(series, booked.map(roundResult));
			series =
				outcome.kind === "all"
					? this.advance(series, "done", { occurrences })
					: this.advance(series, "undoing", { occurrences, conflicts: outcome.conflicts });
		}
		if (series.phase === "undoing") {
			await this.undo(series);
			return this.conflictAnswer(await this.withAlternatives(series.conflicts, sameDay));
		}
		return { ok: true, series: await this.seriesView(series), replayed: false };
	}

	private async holdOne(
		series: SeriesRecord,
		o: SeriesOccurrence,
		sameDay: Map<string, SlotView[]>,
	): Promise<RoundResult> {
		hop(this.env, "object→object", "before", "Doctor.series (hold)");
		const held: HoldResult = await doctorDay(this.env, series.doctorId, o.date).hold(
			{ doctorId: series.doctorId, date: o.date },
			{
				patientId: series.patientId,
				placedBy: series.actor.userId,
				start: o.start,
				expectedVersion: null,
				id: o.holdId,
			},
		);
		if (held.ok) return { ok: true };
		if ("sameDayAlternatives" in held) sameDay.set(new Date(o.start).toISOString(), held.sameDayAlternatives);
		return { ok: false, code: held.code === "WRONG_DAY" ? "DAY_UNAVAILABLE" : held.code };
	}

	private async confirmOne(series: SeriesRecord, o: SeriesOccurrence, index: number): Promise<BookResult> {
		const day = doctorDay(this.env, series.doctorId, o.date);
		const where = { doctorId: series.doctorId, date: o.date };
		const request = {
			patientId: series.patientId,
			bookedBy: series.actor.userId,
			start: o.start,
			consultationMode: series.consultationMode,
			reason: series.reason,
			idempotencyKey: occurrenceKey(series.id, index),
			seriesId: series.id,
		};
		hop(this.env, "object→object", "before", "Doctor.series (confirm)");
		const booked = await day.book(where, { ...request, holdId: o.holdId });
		if (booked.ok || !rebookWithoutHold(booked.code)) return booked;
		hop(this.env, "object→object", "before", "Doctor.series (confirm, hold ended)");
		return day.book(where, { ...request, holdId: null });
	}

	/** Gives back every hold and appointment the series took; each step harmless twice. Then the record goes. */
	private async undo(series: SeriesRecord): Promise<void> {
		await Promise.all(
			series.occurrences.map(async (o) => {
				const day = doctorDay(this.env, series.doctorId, o.date);
				hop(this.env, "object→object", "before", "Doctor.series (release)");
				await day.releaseHold(o.holdId, series.actor);
				// The cutoff is the patient's rule; a series that never came to be gives every place back.
				if (o.appointmentId !== null) await day.cancel(o.appointmentId, series.actor, true);
			}),
		);
		this.storage.transactionSync(() => {
			this.store.delete(series.id);
			this.timers.cancel(SERIES_TIMER_PREFIX + series.id);
		});
	}

	/** Stores the next phase before its step runs; `done` also ends the timer. */
	private advance(
		series: SeriesRecord,
		phase: SeriesPhase,
		changes: Partial<Pick<SeriesRecord, "occurrences" | "conflicts">> = {},
	): SeriesRecord {
		const next = { ...series, ...changes, phase };
		this.storage.transactionSync(() => {
			this.store.save(next);
			if (phase === "done") this.timers.cancel(SERIES_TIMER_PREFIX + series.id);
		});
		return next;
	}

	private conflictAnswer(conflicts: ConflictView[]): SeriesResult {
		return { ok: false, code: "SERIES_CONFLICT", conflicts };
	}

	/**
	 * Each conflict's alternatives as a SLOT_FULL lists them: the day's own free slots nearest first (from its
	 * refusal), then the following days' from the doctor's summaries. No further call to any day.
	 */
	private withAlternatives(
		conflicts: readonly SeriesConflict[],
		sameDay: ReadonlyMap<string, SlotView[]>,
	): Promise<ConflictView[]> {
		return Promise.all(
			conflicts.map(async (c) => {
				const found = nearestFirst(sameDay.get(c.start) ?? [], Date.parse(c.start));
				const wanted = ALTERNATIVES_WANTED - found.length;
				const later = wanted > 0 ? await this.laterAlternatives(c.date, wanted) : [];
				return { ...c, alternatives: [...found, ...later] };
			}),
		);
	}

	private async seriesView(series: SeriesRecord): Promise<SeriesView> {
		const found = await Promise.all(
			series.occurrences.map((o) => {
				if (o.appointmentId === null) return null;
				hop(this.env, "object→object", "before", "Doctor.series (read)");
				return doctorDay(this.env, series.doctorId, o.date).appointment(o.appointmentId);
			}),
		);
		return {
			id: series.id,
			doctor_id: series.doctorId,
			patient_id: series.patientId,
			every_weeks: series.everyWeeks,
			count: series.count,
			appointments: found.filter((a): a is Appointment => a !== null),
		};
	}
}

function roundResult(result: BookResult): RoundResult {
	if (result.ok) return { ok: true };
	return { ok: false, code: result.code === "WRONG_DAY" ? "DAY_UNAVAILABLE" : result.code };
}
