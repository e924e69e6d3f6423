// The DoctorDay Durable Object: the one writer of a doctor-day's bookings. It sequences; src/core decides.
import { DurableObject } from "cloudflare:workers";
import { type Actor, type Appointment, appointmentId, canAccessAppointment } from "../core/appointment";
import { decideBooking, outsideSchedule, type SlotView, slotViews, summarize } from "../core/booking";
import type { DayConfig } from "../core/day-config";
import { newId } from "../lib/ids";
import { DayStore } from "./day-store";
import { deliverOutbox, OUTBOX_RETRY_MS } from "./outbox";
import type {
	BookRequest,
	BookResult,
	CancelResult,
	ConfigApplied,
	DayAvailability,
	SlotCheck,
} from "./results";

export class DoctorDay extends DurableObject<Env> {
	private readonly store: DayStore;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// SQL calls are synchronous, so the schema is ready before any event without blockConcurrencyWhile.
		this.store = new DayStore(ctx.storage);
	}

	async availability(config: DayConfig): Promise<DayAvailability> {
		return this.view(this.adopt(config), Date.now());
	}

	async check(pushed: DayConfig, start: number): Promise<SlotCheck> {
		const config = this.adopt(pushed);
		const now = Date.now();
		const booked = this.store.bookedCounts();
		const decision = decideBooking(config, start, now, booked, false);
		const slot = slotViews(config, booked, now).find((s) => Date.parse(s.start) === start);
		return {
			available: decision.ok,
			status: slot?.status ?? null,
			remaining: slot?.remaining ?? 0,
			capacity: config.capacity,
			...(decision.ok ? {} : { code: decision.code }),
		};
	}

	async book(pushed: DayConfig, request: BookRequest): Promise<BookResult> {
		const result = this.ctx.storage.transactionSync((): BookResult => {
			const config = this.adoptInTransaction(pushed);
			const now = Date.now();
			if (request.idempotencyKey !== null) {
				const earlier = this.store.findByIdempotencyKey(request.bookedBy, request.idempotencyKey);
				if (earlier !== null) return replay(earlier.appointment, request, this.store.version());
			}
			const booked = this.store.bookedCounts();
			const holds = this.store.patientHolds(request.patientId, request.start);
			// Capacity is checked in the same synchronous transaction as the insert: nothing can interleave.
			const decision = decideBooking(config, request.start, now, booked, holds);
			if (!decision.ok) {
				const alternatives = slotViews(config, booked, now).filter((s) => s.status === "available");
				return { ...decision, sameDayAlternatives: alternatives };
			}
			const appointment = newAppointment(config, request, decision.slot, now);
			this.store.insert({
				appointment,
				start: decision.slot.start,
				end: decision.slot.end,
				bookedBy: request.bookedBy,
				idempotencyKey: request.idempotencyKey,
			});
			const version = this.store.bumpVersion();
			this.enqueueIndexUpdate(appointment, version, request.bookedBy, request.idempotencyKey);
			return { ok: true, appointment, replayed: false, version };
		});
		if (result.ok && !result.replayed) await this.deliver();
		return result;
	}

	async cancel(id: string, actor: Actor): Promise<CancelResult> {
		const result = this.ctx.storage.transactionSync((): CancelResult => {
			const stored = this.store.find(id);
			if (stored === null) return { ok: false, code: "APPOINTMENT_NOT_FOUND" };
			if (!canAccessAppointment(actor, stored.appointment)) return { ok: false, code: "FORBIDDEN" };
			// Cancelling twice answers the same cancelled appointment and frees nothing a second time.
			if (stored.appointment.status === "cancelled")
				return { ok: true, appointment: stored.appointment, changed: false };
			const now = Date.now();
			if (stored.start <= now) return { ok: false, code: "SLOT_IN_PAST" };
			const cancelled: Appointment = { ...stored.appointment, status: "cancelled", cancelled_at: iso(now) };
			this.store.updateStatus(cancelled);
			const version = this.store.bumpVersion();
			this.enqueueIndexUpdate(cancelled, version, stored.bookedBy, stored.idempotencyKey);
			return { ok: true, appointment: cancelled, changed: true };
		});
		if (result.ok && result.changed) await this.deliver();
		return result;
	}

	async appointment(id: string): Promise<Appointment | null> {
		return this.store.find(id)?.appointment ?? null;
	}

	/** Takes a pushed schedule or unavailability change and lists the bookings it leaves outside. */
	async applyConfig(pushed: DayConfig): Promise<ConfigApplied> {
		const config = this.adopt(pushed);
		const affected = outsideSchedule(config, this.store.confirmed(), Date.now());
		return { version: this.store.version(), affected: affected.map((s) => s.appointment) };
	}

	/** Retries outbox delivery; alarms fire at least once, and delivery is idempotent. */
	override async alarm(): Promise<void> {
		await this.deliver();
	}

	/** Keeps the newest config seen (pushed ones race with ones read by requests) and answers it. */
	private adopt(pushed: DayConfig): DayConfig {
		return this.ctx.storage.transactionSync(() => this.adoptInTransaction(pushed));
	}

	private adoptInTransaction(pushed: DayConfig): DayConfig {
		if (this.store.adoptConfig(pushed)) this.store.bumpVersion();
		return this.store.currentConfig ?? pushed;
	}

	private view(held: DayConfig, now: number): DayAvailability {
		const slots: SlotView[] = slotViews(held, this.store.bookedCounts(), now);
		return {
			doctor_id: held.doctorId,
			date: held.date,
			timezone: held.timezone,
			version: this.store.version(),
			...summarize(slots),
			slots,
		};
	}

	private enqueueIndexUpdate(
		appointment: Appointment,
		version: number,
		bookedBy: string,
		key: string | null,
	) {
		this.store.enqueue("appointment.saved", {
			appointment,
			dayVersion: version,
			bookedBy,
			idempotencyKey: key,
		});
		// Set in the same turn as the commit, so a crash before delivery still leaves a retry behind.
		void this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
	}

	private async deliver(): Promise<void> {
		const remaining = await deliverOutbox(this.store, this.env.DB);
		if (remaining > 0) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
	}
}

function newAppointment(
	config: DayConfig,
	request: BookRequest,
	slot: { start: number; end: number; time: string },
	now: number,
): Appointment {
	return {
		id: appointmentId(config.doctorId, config.date, newId()),
		doctor_id: config.doctorId,
		patient_id: request.patientId,
		date: config.date,
		time: slot.time,
		start: iso(slot.start),
		end: iso(slot.end),
		status: "confirmed",
		consultation_mode: request.consultationMode,
		reason: request.reason,
		created_at: iso(now),
		cancelled_at: null,
	};
}

/** A retry with the same key answers the first booking; the same key for another booking is refused. */
function replay(earlier: Appointment, request: BookRequest, version: number): BookResult {
	const same =
		earlier.patient_id === request.patientId &&
		Date.parse(earlier.start) === request.start &&
		earlier.consultation_mode === request.consultationMode &&
		earlier.reason === request.reason;
	if (!same) return { ok: false, code: "IDEMPOTENCY_KEY_REUSED", appointment: earlier };
	return { ok: true, appointment: earlier, replayed: true, version };
}

function iso(ms: number): string {
	return new Date(ms).toISOString();
}
