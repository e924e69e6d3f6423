// The DoctorDay Durable Object: the one writer of a doctor-day's bookings. It sequences; src/core decides.
// A request waits on nothing but this object: events reach D1 and the Doctor object after the answer.
import { DurableObject } from "cloudflare:workers";
import { type Actor, type Appointment, canAccessAppointment } from "../core/appointment";
import { decideBooking, outsideSchedule, type SlotView, slotViews, summarize } from "../core/booking";
import { closedReason, type DayConfig } from "../core/day-config";
import {
	type DayEvent,
	decideBook,
	decideCancel,
	decideConfig,
	decideGroupBook,
	decideReminder,
} from "../core/day-decider";
import {
	decideExpiry,
	decideHold,
	decideRelease,
	type HoldRecord,
	heldCounts,
	liveHoldCount,
	nextExpiry,
	storedHeldCounts,
} from "../core/holds";
import { type AppointmentStatus, decideStatus, holdsPlace } from "../core/lifecycle";
import { overCapacity } from "../core/over-capacity";
import {
	decideRelease as decideOldRelease,
	decideRescheduleStart,
	decideSameDayReschedule,
	isSameDay,
	markMovedOn,
	newBooking,
	oldMovedOn,
	type RescheduleSaga,
	rescheduleType,
	type SagaStep,
	undoActor,
} from "../core/reschedule";
import { diffSlots } from "../core/slot-diff";
import { localDateOf } from "../core/time";
import { sameVisitTypes, visitTypeViews, withVisitTypes } from "../core/visit-types";
import {
	decideAccept,
	decideDecline,
	decideJoin,
	decideLeave,
	decideOfferExpiry,
	decideOffers,
	type EntryChange,
	positionOf,
	type WaitlistEntry,
} from "../core/waitlist";
import { doctorObject } from "../doctor/stub";
import { appendDayEvents, deliverDayEvents, type EventDelivery } from "../events/delivery";
import { mintAppointmentId, mintDayId } from "../lib/appointment-ids";
import { hop } from "../lib/hops";
import type { DueTimer } from "../lib/scheduler";
import { DayStore, IDEMPOTENCY_KEY_TTL_MS, type PlacesTaken } from "./day-store";
import { type SnapshotMessage, sendToAll } from "./live-messages";
import { type DueReminder, dropReminders, reminderOf, scheduleReminders } from "./reminders";
import type {
	AcceptResult,
	BookRequest,
	BookResult,
	CancelResult,
	ConfigApplied,
	DayAvailability,
	DayRef,
	EntryResult,
	GroupBookRequest,
	GroupBookResult,
	HoldRequest,
	HoldResult,
	JoinRequest,
	JoinResult,
	ReleaseResult,
	RescheduleRequest,
	RescheduleResult,
	SlotCheck,
	StatusResult,
	WaitlistEntryView,
} from "./results";
import { sagaFault } from "./saga-faults";
import { doctorDay } from "./stub";
import { acceptWatcher, answerResync, isResync, watchedDay } from "./watchers";

/** The places appointments keep, and the live holds as stored (some may be past their end). */
type Taken = PlacesTaken & { holds: HoldRecord[] };

const EXPIRE_KEYS_TIMER = "expire-keys";
const EXPIRE_HOLDS_TIMER = "expire-holds";
const CLEANUP_TIMER = "cleanup";
/** A reschedule saga not finished by its request is carried on by the alarm (and again after a failure). */
const SAGA_TIMER_PREFIX = "reschedule:";
const SAGA_RETRY_MS = 5_000;
/** A day's storage may go once its date has passed everywhere and nothing is left in it. */
const CLEANUP_AFTER_MS = 2 * 24 * 3600_000;

export class DoctorDay extends DurableObject<Env> {
	private readonly store: DayStore;
	private readonly delivery: EventDelivery;
	private loading: Promise<DayConfig | null> | null = null;
	/** Sagas being driven in this instance: a retry or the alarm joins the run instead of racing it. */
	private readonly sagas = new Map<string, Promise<RescheduleResult>>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new DayStore(ctx.storage);
		this.delivery = deliverDayEvents(this.store, env, () => this.facts());
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	async availability(where: DayRef): Promise<DayAvailability> {
		await this.config(where);
		return this.view(Date.now(), where);
	}

	async check(where: DayRef, start: number): Promise<SlotCheck> {
		const config = await this.config(where);
		if (config === null)
			return { available: false, status: null, remaining: 0, capacity: 0, code: "DAY_UNAVAILABLE" };
		const other = otherDay(config, start);
		if (other !== null) return { wrongDay: other };
		const now = Date.now();
		const taken = this.taken();
		// Asked as a patient would book: reserved places, the notice and the day's limit apply.
		const decision = decideBooking(config, start, now, taken.booked, false, heldCounts(taken.holds, now), {
			dayBookings: taken.dayBookings + liveHoldCount(taken.holds, now),
		});
		const slot = this.slotAt(start, now, taken);
		return {
			available: decision.ok,
			status: slot?.status ?? null,
			remaining: slot?.remaining ?? 0,
			capacity: slot?.capacity ?? config.capacity,
			...(decision.ok ? {} : { code: decision.code }),
		};
	}

	async book(where: DayRef, request: BookRequest): Promise<BookResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "DOCTOR_NOT_FOUND" };
		const other = otherDay(loaded, request.start);
		if (other !== null) return { ok: false, code: "WRONG_DAY", wrongDay: other };
		const id = await mintAppointmentId(this.env.AUTH_SECRET, where.doctorId, where.date);
		// From here to the write nothing awaits: the decision and the insert are one transaction.
		this.expireHolds();
		return this.commit((config): BookResult => {
			const now = Date.now();
			const key = request.idempotencyKey;
			const keyed = key === null ? null : this.store.findByIdempotencyKey(request.bookedBy, key, now);
			const taken = this.taken();
			const hold = request.holdId ? this.store.findHold(request.holdId) : null;
			const holdAppointment = hold?.appointmentId
				? (this.store.find(hold.appointmentId)?.appointment ?? null)
				: null;
			const state = {
				config: config ?? loaded,
				booked: taken.booked,
				keyed: keyed?.appointment ?? null,
				...this.store.patientOnDay(request.patientId, request.start),
				holds: taken.holds,
				hold,
				holdAppointment,
				slotChangedAt: this.store.slotChangedAt(request.start),
				dayBookings: taken.dayBookings,
			};
			const decision = decideBook(state, { ...request, id }, now);
			switch (decision.kind) {
				case "replayed":
					return {
						ok: true,
						appointment: decision.appointment,
						replayed: true,
						version: this.store.version(),
					};
				case "key_reused":
					return { ok: false, code: "IDEMPOTENCY_KEY_REUSED", appointment: decision.appointment };
				case "refused": {
					const { kind: _kind, ...refusal } = decision;
					return this.refusal(refusal, request.start, now, taken);
				}
				case "booked": {
					const { appointment } = decision;
					this.insertBooked(appointment, request.bookedBy, key, decision.events, now, decision.slots);
					const version = this.record(decision.events, now);
					return { ok: true, appointment, replayed: false, version };
				}
			}
		});
	}

	/** A family booking: every patient into the one slot in one transaction, or none. */
	async bookGroup(where: DayRef, request: GroupBookRequest): Promise<GroupBookResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "DOCTOR_NOT_FOUND" };
		const other = otherDay(loaded, request.start);
		if (other !== null) return { ok: false, code: "WRONG_DAY", wrongDay: other };
		const ids = await Promise.all(
			request.patientIds.map(() => mintAppointmentId(this.env.AUTH_SECRET, where.doctorId, where.date)),
		);
		this.expireHolds();
		return this.commit((config): GroupBookResult => {
			const now = Date.now();
			const key = request.idempotencyKey;
			// Each member's place is remembered under the key and its position, so a retry finds them all.
			const memberKey = (i: number) => (key === null ? null : `${key}#${i}`);
			const taken = this.taken();
			const members = new Map(request.patientIds.map((p) => [p, this.store.patientOnDay(p, request.start)]));
			const state = {
				config: config ?? loaded,
				booked: taken.booked,
				keyed: request.patientIds.map((_, i) => {
					const k = memberKey(i);
					return k === null
						? null
						: (this.store.findByIdempotencyKey(request.bookedBy, k, now)?.appointment ?? null);
				}),
				inSlot: new Set(request.patientIds.filter((p) => members.get(p)?.patientHoldsSlot)),
				places: new Map(request.patientIds.map((p) => [p, members.get(p)?.patientPlaces ?? 0])),
				holds: taken.holds,
				hold: null,
				holdAppointment: null,
				slotChangedAt: this.store.slotChangedAt(request.start),
				dayBookings: taken.dayBookings,
			};
			const decision = decideGroupBook(state, { ...request, ids }, now);
			switch (decision.kind) {
				case "replayed":
					return {
						ok: true,
						appointments: decision.appointments,
						replayed: true,
						version: this.store.version(),
					};
				case "key_reused":
					return { ok: false, code: "IDEMPOTENCY_KEY_REUSED" };
				case "refused": {
					const { kind: _kind, patientId, ...refusal } = decision;
					return { ...this.refusal(refusal, request.start, now, taken), patientId };
				}
				case "booked": {
					for (const [i, appointment] of decision.appointments.entries()) {
						const own = decision.events.filter(
							(e) => e.type === "hold.released" && e.hold.patient_id === appointment.patient_id,
						);
						this.insertBooked(appointment, request.bookedBy, memberKey(i), own, now);
					}
					const version = this.record(decision.events, now);
					return { ok: true, appointments: decision.appointments, replayed: false, version };
				}
			}
		});
	}

	/** Keeps one place for the patient; their earlier hold on this day goes in the same change. */
	async hold(where: DayRef, request: HoldRequest): Promise<HoldResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "DOCTOR_NOT_FOUND" };
		const other = otherDay(loaded, request.start);
		if (other !== null) return { ok: false, code: "WRONG_DAY", wrongDay: other };
		const id = request.id ?? (await mintDayId(this.env.AUTH_SECRET, "hold", where.doctorId, where.date));
		this.expireHolds();
		return this.commit((config): HoldResult => {
			const now = Date.now();
			const taken = this.taken();
			const state = {
				existing: request.id === undefined ? null : this.store.findHold(request.id),
				config: config ?? loaded,
				booked: taken.booked,
				holds: taken.holds,
				...this.store.patientOnDay(request.patientId, request.start),
				slotChangedAt: this.store.slotChangedAt(request.start),
				dayBookings: taken.dayBookings,
			};
			// A reschedule saga's hold keeps the old visit's type where this day's schedule has it.
			const type = rescheduleType(config ?? loaded, request.type, request.keptType);
			const decision = decideHold(state, { ...request, type, id }, now);
			if (decision.kind === "refused") {
				const { kind: _kind, ...refusal } = decision;
				return this.refusal(refusal, request.start, now, taken);
			}
			if (decision.kind === "replayed")
				return { ok: true, hold: decision.hold, version: this.store.version() };
			this.store.ensureWritable();
			for (const event of decision.events)
				if (event.type === "hold.released") this.store.endHold(event.hold.id, "released");
			this.store.insertHold({
				hold: decision.hold,
				status: "live",
				appointmentId: null,
				starts: decision.starts,
			});
			this.store.timers.atOrBefore(EXPIRE_HOLDS_TIMER, Date.parse(decision.hold.expires_at));
			const version = this.record(decision.events, now);
			return { ok: true, hold: decision.hold, version };
		});
	}

	/** Gives a held place back; harmless twice, and for a hold that already ended. */
	async releaseHold(id: string, actor: Actor): Promise<ReleaseResult> {
		this.expireHolds();
		return this.commit((): ReleaseResult => {
			const now = Date.now();
			const decision = decideRelease(this.store.findHold(id), actor, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			if (decision.kind === "unchanged") return { ok: true, hold: decision.hold, changed: false };
			this.store.endHold(id, "released");
			this.record(decision.events, now);
			return { ok: true, hold: decision.hold, changed: true };
		});
	}

	/** Joins the day's waitlist for one slot or any slot, only when no place is free now. */
	async joinWaitlist(where: DayRef, request: JoinRequest): Promise<JoinResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "DOCTOR_NOT_FOUND" };
		if (request.start !== null && otherDay(loaded, request.start) !== null)
			return { ok: false, code: "SLOT_NOT_FOUND" };
		const id = await mintDayId(this.env.AUTH_SECRET, "waitlist", where.doctorId, where.date);
		this.expireHolds();
		return this.commit((config): JoinResult => {
			const now = Date.now();
			const decision = decideJoin(this.waitlistState(config ?? loaded), { ...request, id }, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			this.store.ensureWritable();
			this.store.saveEntry(decision.entry);
			this.record(decision.events, now);
			return { ok: true, entry: this.entryView(decision.entry) };
		});
	}

	async waitlistEntry(id: string, actor: Actor): Promise<EntryResult> {
		this.expireHolds();
		const entry = this.store.findEntry(id);
		if (entry === null) return { ok: false, code: "NOT_FOUND" };
		if (!canAccessAppointment(actor, entry)) return { ok: false, code: "FORBIDDEN" };
		return { ok: true, entry: this.entryView(entry), changed: false };
	}

	/** Books the offer's hold for its patient: nobody else can take that place meanwhile. */
	async acceptOffer(where: DayRef, id: string, actor: Actor): Promise<AcceptResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "NOT_FOUND" };
		const appointmentId = await mintAppointmentId(this.env.AUTH_SECRET, where.doctorId, where.date);
		this.expireHolds();
		return this.commit((config): AcceptResult => {
			const now = Date.now();
			const entry = this.store.findEntry(id);
			if (entry === null) return { ok: false, code: "NOT_FOUND" };
			const start = Date.parse(entry.offered_start ?? "");
			const hold = entry.hold_id === null ? null : this.store.findHold(entry.hold_id);
			const taken = this.taken();
			const state = {
				config: config ?? loaded,
				booked: taken.booked,
				keyed: null,
				...this.store.patientOnDay(entry.patient_id, start),
				holds: taken.holds,
				hold,
				holdAppointment: null,
				slotChangedAt: this.store.slotChangedAt(start),
				dayBookings: taken.dayBookings,
			};
			const command = {
				id: appointmentId,
				patientId: entry.patient_id,
				bookedBy: entry.patient_id,
				start,
				consultationMode: "in_person" as const,
				reason: null,
				idempotencyKey: null,
				holdId: entry.hold_id,
			};
			const decision = decideAccept(entry, actor, state, command, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			const booked = decision.events.find((e) => e.type === "appointment.booked");
			if (booked?.type !== "appointment.booked") throw new Error("an accepted offer books its place");
			this.insertBooked(booked.appointment, entry.patient_id, null, decision.events, now);
			this.store.saveEntry(decision.entry);
			this.record(decision.events, now);
			return { ok: true, appointment: booked.appointment, entry: this.entryView(decision.entry) };
		});
	}

	/** Declines an offer: its place goes to the next in line in the same change. */
	async declineOffer(id: string, actor: Actor): Promise<EntryResult> {
		return this.changeEntry(id, (entry, hold, now) => decideDecline(entry, hold, actor, now));
	}

	/** Leaves the line; an offer held gives its place on. Harmless twice. */
	async leaveWaitlist(id: string, actor: Actor): Promise<EntryResult> {
		return this.changeEntry(id, (entry, hold, now) => decideLeave(entry, hold, actor, now));
	}

	/**
	 * `overrideCutoff`: the patient's account is being deleted (or the dependent removed), so its places go even
	 * inside the cutoff. `ownedDependent`: a dependent the Worker checked the actor owns, whose appointment this is.
	 */
	async cancel(
		id: string,
		actor: Actor,
		overrideCutoff = false,
		ownedDependent?: string,
	): Promise<CancelResult> {
		return this.commit((config): CancelResult => {
			const now = Date.now();
			const stored = this.store.find(id)?.appointment ?? null;
			const decision = decideCancel(stored, { actor, config, overrideCutoff, ownedDependent }, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			if (decision.kind === "unchanged")
				return { ok: true, appointment: decision.appointment, changed: false };
			this.store.updateStatus(decision.appointment);
			dropReminders(this.store.timers, id);
			this.markSagaMovedOn(decision.appointment, actor);
			this.record(decision.events, now);
			return { ok: true, appointment: decision.appointment, changed: true };
		});
	}

	/** A doctor's or admin's move of an appointment's status (src/core/lifecycle.ts); a freed place shows at once. */
	async changeStatus(id: string, actor: Actor, to: AppointmentStatus): Promise<StatusResult> {
		return this.commit((): StatusResult => {
			const now = Date.now();
			const decision = decideStatus(this.store.find(id)?.appointment ?? null, actor, to, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			if (decision.kind === "unchanged")
				return { ok: true, appointment: decision.appointment, changed: false };
			this.store.updateStatus(decision.appointment);
			if (!holdsPlace(to)) dropReminders(this.store.timers, id);
			this.markSagaMovedOn(decision.appointment, actor);
			this.record(decision.events, now);
			return { ok: true, appointment: decision.appointment, changed: true };
		});
	}

	/**
	 * Moves one of this day's appointments. To another slot of this day: one transaction. To another day or
	 * doctor: a saga this object owns and stores (src/core/reschedule.ts), whose steps call the new day's
	 * object (the one object→object hop on a request's path, allowed for reschedules only).
	 */
	async reschedule(where: DayRef, request: RescheduleRequest): Promise<RescheduleResult> {
		const loaded = await this.config(where);
		if (loaded === null) return { ok: false, code: "APPOINTMENT_NOT_FOUND" };
		const { target } = request;
		if (isSameDay({ doctor_id: where.doctorId, date: where.date }, target))
			return this.rescheduleHere(
				loaded,
				request,
				await mintAppointmentId(this.env.AUTH_SECRET, target.doctorId, target.date),
			);
		const holdId = await mintDayId(this.env.AUTH_SECRET, "hold", target.doctorId, target.date);
		const started = this.commit(() => {
			const now = Date.now();
			const id = request.appointmentId;
			const decision = decideRescheduleStart(
				this.store.find(id)?.appointment ?? null,
				this.store.findSaga(id),
				request,
				now,
			);
			if (decision.kind !== "begin") return decision;
			const saga: RescheduleSaga = {
				appointmentId: id,
				actor: request.actor,
				idempotencyKey: request.idempotencyKey,
				target,
				holdId,
				step: "holding",
				appointment: null,
				startedAt: now,
			};
			this.store.saveSaga(saga);
			this.store.timers.at(SAGA_TIMER_PREFIX + id, now + SAGA_RETRY_MS);
			return { kind: "begun" as const, saga };
		});
		if (started.kind === "refused") return { ok: false, code: started.code };
		await this.store.timers.arm();
		if (started.kind === "begun") sagaFault(this.env, 1, started.saga.idempotencyKey);
		if (started.saga.step === "done") return this.sagaAnswer(started.saga, true);
		return this.driveSaga(started.saga.appointmentId);
	}

	/** Every appointment of the day, whatever its status, by start: the doctor's day view. */
	async dayAppointments(): Promise<Appointment[]> {
		return this.store.all().map((s) => s.appointment);
	}

	async appointment(id: string): Promise<Appointment | null> {
		return this.store.find(id)?.appointment ?? null;
	}

	/** A schedule, unavailability or flag change pushed by the Doctor object; lists the bookings it leaves outside. */
	async applyConfig(pushed: DayConfig): Promise<ConfigApplied> {
		const config = this.commit((held) => {
			const events = decideConfig(held, pushed, this.store.confirmed(), Date.now());
			if (events.length === 0) return held ?? pushed;
			this.store.adoptConfig(pushed);
			this.record(events, Date.now());
			return pushed;
		});
		const now = Date.now();
		const confirmed = this.store.confirmed().map((s) => ({ ...s, id: s.appointment.id }));
		// Listed, never cancelled: bookings outside the new schedule, and those beyond a lowered capacity.
		const affected = [...outsideSchedule(config, confirmed, now), ...overCapacity(config, confirmed, now)];
		return { version: this.store.version(), affected: affected.map((s) => s.appointment) };
	}

	/** Delivery state, for tests and operators: what each consumer still owes, and what was given up. */
	async eventBacklog() {
		return { pending: this.store.events.pendingCount(), deadLetters: this.store.events.deadLetters() };
	}

	/** A watcher's WebSocket upgrade, forwarded by the Worker with the doctor-day in the URL. */
	override async fetch(request: Request): Promise<Response> {
		const url = new URL(request.url);
		const where = {
			doctorId: url.searchParams.get("doctor_id") ?? "",
			date: url.searchParams.get("date") ?? "",
		};
		await this.config(where);
		return acceptWatcher(this.ctx, request, where, () => this.snapshot(where));
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		const where = watchedDay(ws);
		if (where === null || !isResync(message)) return;
		// After hibernation a day that was only ever read has no config in memory: it reads it again.
		await this.config(where);
		answerResync(ws, () => this.snapshot(where));
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		// 1005 and 1006 are reserved: they may be received but never sent.
		ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
	}

	/** Every timer of the day: event retries, key expiry, reminders, clean-up. Each is idempotent (alarms repeat). */
	override async alarm(): Promise<void> {
		this.store.timers.fired();
		const now = Date.now();
		for (const timer of this.store.timers.due(now)) {
			const reminder = reminderOf(timer.name);
			if (reminder !== null) {
				this.remind(reminder, timer, now);
				continue;
			}
			if (timer.name.startsWith(SAGA_TIMER_PREFIX)) {
				await this.retrySaga(timer, now);
				continue;
			}
			if (timer.name === CLEANUP_TIMER && this.canForget()) {
				await this.ctx.storage.deleteAlarm();
				await this.store.deleteAll();
				return;
			}
			if (timer.name === CLEANUP_TIMER) this.store.timers.at(CLEANUP_TIMER, now + CLEANUP_AFTER_MS);
			if (timer.name === EXPIRE_HOLDS_TIMER) {
				this.expireHolds();
				const next = nextExpiry(this.store.liveHolds(), now);
				if (next !== null) this.store.timers.at(EXPIRE_HOLDS_TIMER, next);
			}
			if (timer.name === EXPIRE_KEYS_TIMER) {
				const next = this.store.expireKeys(now);
				if (next !== null) this.store.timers.at(EXPIRE_KEYS_TIMER, next);
			}
			this.store.timers.done(timer);
		}
		await this.delivery.run();
		await this.store.timers.arm();
	}

	/** Same day: the new booking and the old appointment's release decided together, one transaction. */
	private rescheduleHere(loaded: DayConfig, request: RescheduleRequest, newId: string): RescheduleResult {
		this.expireHolds();
		return this.commit((config): RescheduleResult => {
			const now = Date.now();
			const id = request.appointmentId;
			const old = this.store.find(id)?.appointment ?? null;
			const start = decideRescheduleStart(old, this.store.findSaga(id), request, now);
			if (start.kind === "refused") return { ok: false, code: start.code };
			if (start.kind === "resume") return this.sagaAnswer(start.saga, true);
			if (old === null) return { ok: false, code: "APPOINTMENT_NOT_FOUND" };
			const held = config ?? loaded;
			const type = rescheduleType(held, request.target.type, old.type);
			const command = { ...newBooking(old, request, null, type), id: newId };
			const taken = this.taken();
			const state = {
				config: held,
				booked: taken.booked,
				keyed: null,
				...this.store.patientOnDay(old.patient_id, command.start),
				holds: taken.holds,
				hold: null,
				holdAppointment: null,
				slotChangedAt: this.store.slotChangedAt(command.start),
				// The old appointment gives its place up in the same change.
				dayBookings: taken.dayBookings - 1,
			};
			const oldSlots = this.store.placesOf(id);
			const decision = decideSameDayReschedule(state, old, oldSlots, command, request.actor, now);
			if (decision.kind === "refused") {
				const { kind: _kind, ...refusal } = decision;
				return this.refusal(refusal, command.start, now, taken);
			}
			this.insertBooked(decision.appointment, command.bookedBy, null, decision.events, now, decision.slots);
			this.releaseOld(decision.previous);
			this.store.saveSaga({
				appointmentId: id,
				actor: request.actor,
				idempotencyKey: request.idempotencyKey,
				target: request.target,
				holdId: "",
				step: "done",
				appointment: decision.appointment,
				startedAt: now,
			});
			this.record(decision.events, now);
			return { ok: true, appointment: decision.appointment, previous: decision.previous, replayed: false };
		});
	}

	/** One run of a saga at a time per instance: a retry with the same key, or the alarm, joins it. */
	private driveSaga(id: string): Promise<RescheduleResult> {
		let run = this.sagas.get(id);
		if (run === undefined) {
			run = this.runSaga(id).finally(() => this.sagas.delete(id));
			this.sagas.set(id, run);
		}
		return run;
	}

	/**
	 * Carries a saga on from the step it stored. Each remote step is idempotent (the hold's id is fixed when the
	 * saga begins, and confirming a hold twice answers the appointment it became), and each step's outcome is
	 * stored before the next begins: after a crash anywhere, running it again ends the same way.
	 */
	private async runSaga(id: string): Promise<RescheduleResult> {
		let saga = this.store.findSaga(id);
		const old = this.store.find(id)?.appointment ?? null;
		if (saga === null || old === null) return { ok: false, code: "APPOINTMENT_NOT_FOUND" };
		const { target } = saga;
		const where = { doctorId: target.doctorId, date: target.date };
		const day = doctorDay(this.env, target.doctorId, target.date);
		const command = { actor: saga.actor, idempotencyKey: saga.idempotencyKey, target };
		// Asked again before every step: a cancel of the old appointment may have come in during the last await.
		const movedOn = (current: RescheduleSaga) => oldMovedOn(this.store.find(id)?.appointment ?? old, current);
		if (saga.step === "holding") {
			if (movedOn(saga)) return this.undoSaga(id);
			hop(this.env, "object→object", "before", "DoctorDay.reschedule (hold new)");
			const held = await day.hold(where, {
				patientId: old.patient_id,
				placedBy: saga.actor.userId,
				start: target.start,
				expectedVersion: null,
				id: saga.holdId,
				...(target.type === undefined ? {} : { type: target.type }),
				...(old.type === undefined ? {} : { keptType: old.type }),
			});
			sagaFault(this.env, 2, saga.idempotencyKey);
			if (!held.ok) return this.abandonSaga(saga, held);
			saga = this.advanceSaga(saga, "confirming", null);
		}
		if (saga.step === "confirming") {
			if (movedOn(saga)) return this.undoSaga(id);
			hop(this.env, "object→object", "before", "DoctorDay.reschedule (confirm new)");
			const booked = await day.book(where, newBooking(old, command, saga.holdId));
			sagaFault(this.env, 3, saga.idempotencyKey);
			if (!booked.ok) return this.abandonSaga(saga, booked);
			saga = this.advanceSaga(saga, "releasing", booked.appointment);
		}
		if (saga.step === "releasing") {
			const releasing = saga;
			const done = this.commit(() => {
				const now = Date.now();
				const current = this.store.find(id)?.appointment ?? old;
				if (oldMovedOn(current, releasing)) return null;
				const to = releasing.appointment as Appointment;
				const release = decideOldRelease(current, to, releasing.actor, now);
				if (release.events.length > 0) this.releaseOld(release.previous);
				const finished: RescheduleSaga = { ...releasing, step: "done" };
				this.store.saveSaga(finished);
				this.store.timers.cancel(SAGA_TIMER_PREFIX + id);
				if (release.events.length > 0) this.record(release.events, now);
				return finished;
			});
			if (done === null) return this.undoSaga(id);
			saga = done;
			sagaFault(this.env, 4, saga.idempotencyKey);
		}
		return this.sagaAnswer(saga, false);
	}

	/** Records a remote step's outcome (keeping a cancel's mark stored meanwhile); the next step starts from it. */
	private advanceSaga(saga: RescheduleSaga, step: SagaStep, appointment: Appointment | null): RescheduleSaga {
		return this.store.transaction(() => {
			const stored = this.store.findSaga(saga.appointmentId) ?? saga;
			const next = { ...stored, step, appointment: appointment ?? stored.appointment };
			this.store.saveSaga(next);
			return next;
		});
	}

	/**
	 * The old appointment moved on (cancelled, say) while its saga ran: the new place goes too, then the saga.
	 * Each call is repeatable, so after a crash the alarm runs this again. Before the confirm is stored, the hold
	 * is released and then confirmed in vain, which finds the appointment an unrecorded confirm made of it.
	 */
	private async undoSaga(id: string): Promise<RescheduleResult> {
		const saga = this.store.findSaga(id);
		const old = this.store.find(id)?.appointment;
		if (saga === null || old === undefined) return { ok: false, code: "INVALID_TRANSITION" };
		const { target } = saga;
		const where = { doctorId: target.doctorId, date: target.date };
		const day = doctorDay(this.env, target.doctorId, target.date);
		const actor = undoActor(saga, old.patient_id);
		let made = saga.appointment;
		if (made === null) {
			hop(this.env, "object→object", "before", "DoctorDay.reschedule (undo: release new)");
			await day.releaseHold(saga.holdId, actor);
			const command = { actor: saga.actor, idempotencyKey: saga.idempotencyKey, target };
			const found = await day.book(where, newBooking(old, command, saga.holdId));
			made = found.ok ? found.appointment : null;
		}
		if (made !== null) {
			hop(this.env, "object→object", "before", "DoctorDay.reschedule (undo: cancel new)");
			const cancelled = await day.cancel(made.id, actor, true);
			if (!cancelled.ok)
				console.error(
					JSON.stringify({ event: "reschedule_undo_refused", appointment_id: made.id, code: cancelled.code }),
				);
		}
		this.store.transaction(() => {
			this.store.deleteSaga(id);
			this.store.timers.cancel(SAGA_TIMER_PREFIX + id);
		});
		return { ok: false, code: "INVALID_TRANSITION" };
	}

	/**
	 * The new place could not be had: the saga goes and the old appointment stays as it was. A hold the
	 * saga placed but could not confirm has expired (or was replaced) already, or expires by itself.
	 */
	private abandonSaga(
		saga: RescheduleSaga,
		refused: Exclude<HoldResult | BookResult, { ok: true }>,
	): RescheduleResult {
		this.store.transaction(() => {
			this.store.deleteSaga(saga.appointmentId);
			this.store.timers.cancel(SAGA_TIMER_PREFIX + saga.appointmentId);
		});
		switch (refused.code) {
			case "WRONG_DAY":
				return { ok: false, code: "DAY_UNAVAILABLE" };
			case "DOCTOR_NOT_FOUND":
				return { ok: false, code: "DOCTOR_NOT_FOUND" };
			case "IDEMPOTENCY_KEY_REUSED": // the saga's booking carries no key
				return { ok: false, code: "INVALID_TRANSITION" };
			default:
				return {
					...refused,
					sameDayAlternatives: "sameDayAlternatives" in refused ? refused.sameDayAlternatives : [],
				};
		}
	}

	/** The saga timer came due: the saga's request did not finish it. A failure tries again later. */
	private async retrySaga(timer: DueTimer, now: number): Promise<void> {
		const id = timer.name.slice(SAGA_TIMER_PREFIX.length);
		try {
			await this.driveSaga(id);
		} catch (error) {
			console.error(
				JSON.stringify({ event: "reschedule_saga_retry_failed", appointment_id: id, error: String(error) }),
			);
			this.store.transaction(() => this.store.timers.at(timer.name, now + SAGA_RETRY_MS));
			return;
		}
		this.store.transaction(() => this.store.timers.done(timer));
	}

	/** A stored saga's answer: the new appointment (as this day has it, when it is this day's), the old one now. */
	private sagaAnswer(saga: RescheduleSaga, replayed: boolean): RescheduleResult {
		const stored = saga.appointment as Appointment;
		const appointment = this.store.find(stored.id)?.appointment ?? stored;
		const previous = this.store.find(saga.appointmentId)?.appointment;
		if (previous === undefined) return { ok: false, code: "APPOINTMENT_NOT_FOUND" };
		return { ok: true, appointment, previous, replayed };
	}

	/** Writes a decided booking: the appointment, its key, the hold it used, its reminders. In its transaction. */
	private insertBooked(
		appointment: Appointment,
		bookedBy: string,
		key: string | null,
		events: readonly DayEvent[],
		now: number,
		slots?: readonly number[],
	): void {
		this.store.ensureWritable();
		const start = Date.parse(appointment.start);
		this.store.insert({ appointment, start, end: Date.parse(appointment.end), bookedBy, slots }, key, now);
		for (const event of events)
			if (event.type === "hold.released") this.store.endHold(event.hold.id, "booked", appointment.id);
		if (key !== null) this.store.timers.atOrBefore(EXPIRE_KEYS_TIMER, now + IDEMPOTENCY_KEY_TTL_MS);
		scheduleReminders(this.store.timers, appointment, now);
	}

	/** A running reschedule of this appointment will undo its new place, as `actor`; in the change's transaction. */
	private markSagaMovedOn(after: Appointment, actor: Actor): void {
		const marked = markMovedOn(this.store.findSaga(after.id), actor, after);
		if (marked !== null) this.store.saveSaga(marked);
	}

	/** The old appointment gave its place to its replacement; in the change's transaction. */
	private releaseOld(previous: Appointment): void {
		this.store.updateStatus(previous);
		dropReminders(this.store.timers, previous.id);
	}

	/**
	 * Runs `mutate` in one synchronous transaction, then announces what changed to every watcher and starts
	 * delivering the new events. There is no await between the two, so updates leave in version order, and
	 * the runtime holds them (and the answer) until the transaction is durable.
	 */
	private commit<T>(mutate: (config: DayConfig | null) => T): T {
		const watchers = this.ctx.getWebSockets();
		const now = Date.now();
		// What the slots were made of: turned into views only if the change changed something to announce.
		const before = watchers.length > 0 ? this.taken() : null;
		const configBefore = this.store.currentConfig;
		const versionBefore = this.store.version();
		const result = this.store.transaction(() => {
			const answer = mutate(this.store.currentConfig);
			// Whatever this change freed goes to the waitlist in the same transaction: never free and waited for.
			this.offerFreedPlaces();
			return answer;
		});
		const version = this.store.version();
		if (version !== versionBefore) {
			if (before !== null)
				this.announce(watchers, this.slots(now, before, configBefore), configBefore, version, now);
			void this.store.timers.arm();
			void this.delivery.run();
		}
		return result;
	}

	/**
	 * Ends the holds whose time is up, as a change of its own (announced to watchers). Called by the expiry
	 * alarm, and before any decision, with no await in between, so a late alarm never keeps a place held.
	 */
	private expireHolds(): void {
		// Nearly always nothing is due: then no transaction and no SQL. The store keeps every live hold's and
		// offer's end in memory, exact through every write and rollback.
		if (this.store.untouchedByTime(Date.now())) return;
		this.commit(() => {
			const now = Date.now();
			// An offer's hold and its entry end at the same instant.
			const events = [
				...decideExpiry(this.store.liveHolds(), now),
				...decideOfferExpiry(this.store.openEntries(), now),
			];
			if (events.length === 0) return;
			for (const event of events) {
				if (event.type === "hold.expired") this.store.endHold(event.hold.id, "expired");
				if (event.type === "waitlist.expired") this.store.saveEntry(event.entry);
			}
			this.record(events, now);
		});
	}

	/** Offers the places free now to the waiting entries that fit; inside the transaction of the change that freed them. */
	private offerFreedPlaces(): void {
		const config = this.store.currentConfig;
		if (config === null || !this.store.hasWaiting()) return;
		const entries = this.store.openEntries();
		const now = Date.now();
		const events = decideOffers(this.waitlistState(config, entries), now);
		if (events.length === 0) return;
		for (const event of events) {
			if (event.type !== "waitlist.offered") continue;
			this.store.insertHold({
				hold: event.hold,
				status: "live",
				appointmentId: null,
				entryId: event.entry.id,
			});
			this.store.saveEntry(event.entry);
			this.store.timers.atOrBefore(EXPIRE_HOLDS_TIMER, Date.parse(event.hold.expires_at));
		}
		this.record(events, now);
	}

	private waitlistState(config: DayConfig, entries: WaitlistEntry[] = this.store.openEntries()) {
		const { booked, dayBookings, holds } = this.taken();
		return {
			config,
			booked,
			holds,
			entries,
			places: this.store.patientPlacesAll(),
			dayBookings: dayBookings + liveHoldCount(holds, Date.now()),
		};
	}

	private entryView(entry: WaitlistEntry): WaitlistEntryView {
		return { ...entry, position: positionOf(this.store.openEntries(), entry) };
	}

	/** Declining or leaving: the entry's change and its offer's hold released, one transaction. */
	private changeEntry(
		id: string,
		decide: (entry: WaitlistEntry | null, hold: HoldRecord | null, now: number) => EntryChange,
	): EntryResult {
		this.expireHolds();
		return this.commit((): EntryResult => {
			const now = Date.now();
			const entry = this.store.findEntry(id);
			const hold = entry?.hold_id ? this.store.findHold(entry.hold_id) : null;
			const decision = decide(entry, hold, now);
			if (decision.kind === "refused") return { ok: false, code: decision.code };
			if (decision.kind === "unchanged")
				return { ok: true, entry: this.entryView(decision.entry), changed: false };
			for (const event of decision.events)
				if (event.type === "hold.released") this.store.endHold(event.hold.id, "released");
			this.store.saveEntry(decision.entry);
			this.record(decision.events, now);
			return { ok: true, entry: this.entryView(decision.entry), changed: true };
		});
	}

	/** A refused place as the Worker needs it: its slot as it is now, the day's version, and its free slots to offer instead. */
	private refusal<Code>(
		refused: { code: Code; booked: number; capacity: number; heldUntil?: number },
		start: number,
		now: number,
		taken: Taken,
	) {
		const views = this.slots(now, taken);
		const slot = views.find((s) => Date.parse(s.start) === start) ?? null;
		const sameDayAlternatives = views.filter((s) => s.status === "available");
		return { ok: false as const, ...refused, slot, version: this.store.version(), sameDayAlternatives };
	}

	/** Bumps the version and writes the events for every consumer; inside the change's transaction. */
	private record(events: readonly DayEvent[], now: number): number {
		const version = this.store.bumpVersion();
		appendDayEvents(this.store, events, version, now);
		this.store.markChanged(events, version);
		const date = this.store.currentConfig?.date;
		if (date !== undefined)
			this.store.timers.atOrBefore(CLEANUP_TIMER, Date.parse(`${date}T00:00:00Z`) + CLEANUP_AFTER_MS);
		return version;
	}

	/**
	 * A reminder timer came due: its event (unless the appointment was cancelled or has begun) and the timer's
	 * removal are one transaction, so a repeated alarm finds nothing to send again. A reminder changes no slot:
	 * the day's version stays, and nothing is announced to the day's watchers.
	 */
	private remind(reminder: DueReminder, timer: DueTimer, now: number): void {
		this.store.transaction(() => {
			const stored = this.store.find(reminder.appointmentId)?.appointment ?? null;
			const events = decideReminder(stored, reminder.kind, now);
			if (events.length > 0) appendDayEvents(this.store, events, this.store.version(), now);
			this.store.timers.done(timer);
		});
	}

	/** Nothing is left that anyone could ask for: no appointment, no undelivered event, no watcher. */
	private canForget(): boolean {
		return (
			this.store.appointmentCount() === 0 &&
			this.store.events.pendingCount() === 0 &&
			this.ctx.getWebSockets().length === 0
		);
	}

	/**
	 * The day's config. An object that has none asks its Doctor object once (concurrent first callers share
	 * the call), which from then on pushes it every change: so only days someone touched get pushes.
	 */
	private async config(where: DayRef): Promise<DayConfig | null> {
		const held = this.store.currentConfig;
		if (held !== null) return held;
		if (this.loading === null) hop(this.env, "object→object", "before", "DoctorDay.config");
		this.loading ??= doctorObject(this.env, where.doctorId)
			.configForDay(where.doctorId, where.date)
			.finally(() => {
				this.loading = null;
			});
		const loaded = await this.loading;
		if (loaded !== null) this.store.useLoadedConfig(loaded);
		return this.store.currentConfig;
	}

	private announce(
		watchers: WebSocket[],
		before: SlotView[],
		configBefore: DayConfig | null,
		version: number,
		now: number,
	): void {
		const after = this.slots(now);
		const { changed, removed } = diffSlots(before, after);
		const config = this.store.currentConfig;
		// The visit types ride along only when a config change changed them (none left: an empty list).
		const types =
			config === null || config === configBefore || sameVisitTypes(configBefore, config)
				? {}
				: { appointment_types: visitTypeViews(config) };
		sendToAll(watchers, { type: "update", version, slots: changed, removed, ...summarize(after), ...types });
	}

	/** The day's slots as watchers see them; `taken` and `config` when the caller read them already. */
	private slots(now: number, taken: Taken = this.taken(), config = this.store.currentConfig): SlotView[] {
		if (config === null) return [];
		const { booked, holds } = taken;
		const dayBookings = taken.dayBookings + holds.length;
		const views = slotViews(config, booked, now, storedHeldCounts(holds), dayBookings);
		return withVisitTypes(config, views);
	}

	private slotAt(start: number, now: number, taken: Taken): SlotView | null {
		return this.slots(now, taken).find((s) => Date.parse(s.start) === start) ?? null;
	}

	/** What a decision and the slots are made of: the places appointments keep, and the holds as stored. */
	private taken(): Taken {
		return { ...this.store.placesTaken(), holds: this.store.liveHolds() };
	}

	private view(now: number, where: DayRef): DayAvailability {
		const config = this.store.currentConfig;
		const slots = this.slots(now);
		return {
			doctor_id: config?.doctorId ?? where.doctorId,
			date: config?.date ?? where.date,
			timezone: config?.timezone ?? null,
			version: this.store.version(),
			closed: closedReason(config),
			...summarize(slots),
			slots,
			...(config?.appointmentTypes?.length ? { appointment_types: visitTypeViews(config) } : {}),
		};
	}

	private snapshot(where: DayRef): SnapshotMessage {
		return { type: "snapshot", ...this.view(Date.now(), where) };
	}

	private facts() {
		const config = this.store.currentConfig;
		const { booked, dayBookings } = this.store.placesTaken();
		return {
			doctorId: config?.doctorId ?? "",
			date: config?.date ?? "",
			version: this.store.version(),
			booked: [...booked],
			bookings: dayBookings,
		};
	}
}

/** The doctor-local date of `start` when it is not this day's (null when it is, or the day has no zone). */
function otherDay(config: DayConfig, start: number): string | null {
	if (config.timezone === null) return null;
	const date = localDateOf(start, config.timezone);
	return date === config.date ? null : date;
}
