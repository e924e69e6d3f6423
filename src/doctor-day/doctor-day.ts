// The DoctorDay Durable Object: the one writer of a doctor-day's bookings. It sequences; src/core decides.
import { DurableObject } from "cloudflare:workers";
import {
	type Actor,
	type Appointment,
	appointmentId,
	canAccessAppointment,
	createAppointment,
	isSameRequest,
} from "../core/appointment";
import { decideBooking, outsideSchedule, type SlotView, slotViews, summarize } from "../core/booking";
import type { DayConfig } from "../core/day-config";
import { diffSlots } from "../core/slot-diff";
import { newId } from "../lib/ids";
import { DayStore } from "./day-store";
import { DAY_CONFIG_HEADER, type SnapshotMessage, sendToAll } from "./live-messages";
import { type AppointmentSaved, deliverOutbox, OUTBOX_RETRY_MS } from "./outbox";
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
	private delivering: Promise<void> | null = null;
	/** A commit came while a delivery was running: it must look again before it ends. */
	private redeliver = false;
	/** This instance scheduled the outbox's retry alarm and it has not run yet: no need to set it again. */
	private retryScheduled = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// SQL calls are synchronous, so the schema is ready before any event without blockConcurrencyWhile.
		this.store = new DayStore(ctx.storage);
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	async availability(pushed: DayConfig): Promise<DayAvailability> {
		this.commit(pushed, () => undefined);
		return this.view(Date.now());
	}

	async check(pushed: DayConfig, start: number): Promise<SlotCheck> {
		const config = this.commit(pushed, (held) => held ?? pushed);
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
		const result = this.commit(pushed, (held): BookResult => {
			const config = held ?? pushed;
			const now = Date.now();
			if (request.idempotencyKey !== null) {
				const earlier = this.store.findByIdempotencyKey(request.bookedBy, request.idempotencyKey);
				if (earlier !== null) {
					// A retry answers the first booking; the same key for another booking is refused.
					if (!isSameRequest(earlier.appointment, request)) {
						return { ok: false, code: "IDEMPOTENCY_KEY_REUSED", appointment: earlier.appointment };
					}
					return {
						ok: true,
						appointment: earlier.appointment,
						replayed: true,
						version: this.store.version(),
					};
				}
			}
			const booked = this.store.bookedCounts();
			const holds = this.store.patientHolds(request.patientId, request.start);
			// Capacity is checked in the same synchronous transaction as the insert: nothing can interleave.
			const decision = decideBooking(config, request.start, now, booked, holds);
			if (!decision.ok) {
				const alternatives = slotViews(config, booked, now).filter((s) => s.status === "available");
				return { ...decision, sameDayAlternatives: alternatives };
			}
			const id = appointmentId(config.doctorId, config.date, newId());
			const appointment = createAppointment(id, config, request, decision.slot, now);
			this.store.insert({
				appointment,
				start: decision.slot.start,
				end: decision.slot.end,
				bookedBy: request.bookedBy,
				idempotencyKey: request.idempotencyKey,
			});
			const version = this.store.bumpVersion();
			this.enqueueSaved(appointment, version, request.bookedBy);
			return { ok: true, appointment, replayed: false, version };
		});
		if (result.ok && !result.replayed) await this.deliver();
		return result;
	}

	async cancel(id: string, actor: Actor): Promise<CancelResult> {
		const result = this.commit(null, (): CancelResult => {
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
			this.enqueueSaved(cancelled, version, stored.bookedBy);
			return { ok: true, appointment: cancelled, changed: true };
		});
		if (result.ok && result.changed) await this.deliver();
		return result;
	}

	/** Whether a booking was made here under this Idempotency-Key (its D1 claim must then stay). */
	async holdsIdempotencyKey(bookedBy: string, key: string): Promise<boolean> {
		return this.store.findByIdempotencyKey(bookedBy, key) !== null;
	}

	async appointment(id: string): Promise<Appointment | null> {
		return this.store.find(id)?.appointment ?? null;
	}

	/** Takes a pushed schedule or unavailability change and lists the bookings it leaves outside. */
	async applyConfig(pushed: DayConfig): Promise<ConfigApplied> {
		const config = this.commit(pushed, (held) => held ?? pushed);
		const affected = outsideSchedule(config, this.store.confirmed(), Date.now());
		return { version: this.store.version(), affected: affected.map((s) => s.appointment) };
	}

	/** A watcher's WebSocket upgrade, forwarded by the Worker with the day's config in a header. */
	override async fetch(request: Request): Promise<Response> {
		const pushed = JSON.parse(request.headers.get(DAY_CONFIG_HEADER) ?? "null") as DayConfig | null;
		if (pushed !== null) this.commit(pushed, () => undefined);
		const { 0: client, 1: server } = new WebSocketPair();
		// acceptWebSocket (not accept) lets the object hibernate while sockets stay open.
		this.ctx.acceptWebSocket(server);
		server.send(JSON.stringify(this.snapshot()));
		return new Response(null, { status: 101, webSocket: client });
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		// Only {"type":"resync"} means anything; junk is ignored rather than allowed to break the object.
		if (typeof message !== "string" || message.length > 1024) return;
		try {
			if ((JSON.parse(message) as { type?: unknown })?.type === "resync")
				ws.send(JSON.stringify(this.snapshot()));
		} catch {}
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		// 1005 and 1006 are reserved: they may be received but never sent.
		ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
	}

	/** Retries outbox delivery; alarms fire at least once, and delivery is idempotent. */
	override async alarm(): Promise<void> {
		this.retryScheduled = false;
		await this.deliver();
	}

	/**
	 * Runs `mutate` in one synchronous transaction after adopting the newest config, then announces what
	 * changed to every watcher. There is no await between the two, so updates leave in version order, and
	 * the runtime holds them until the transaction is durable.
	 */
	private commit<T>(pushed: DayConfig | null, mutate: (held: DayConfig | null) => T): T {
		const watchers = this.ctx.getWebSockets();
		const now = Date.now();
		const before = watchers.length > 0 ? this.slots(now) : [];
		const versionBefore = this.store.version();
		let result: T;
		try {
			result = this.ctx.storage.transactionSync(() => {
				if (pushed !== null && this.store.adoptConfig(pushed)) this.store.bumpVersion();
				return mutate(this.store.currentConfig);
			});
		} catch (error) {
			this.store.reload(); // the transaction rolled back; so must the store's mirrors
			throw error;
		}
		const version = this.store.version();
		if (watchers.length > 0 && version !== versionBefore) this.announce(watchers, before, version, now);
		return result;
	}

	private announce(watchers: WebSocket[], before: SlotView[], version: number, now: number): void {
		const after = this.slots(now);
		const { changed, removed } = diffSlots(before, after);
		sendToAll(watchers, { type: "update", version, slots: changed, removed, ...summarize(after) });
	}

	private slots(now: number): SlotView[] {
		const config = this.store.currentConfig;
		return config === null ? [] : slotViews(config, this.store.bookedCounts(), now);
	}

	private view(now: number): DayAvailability {
		const config = this.store.currentConfig;
		const slots = this.slots(now);
		return {
			doctor_id: config?.doctorId ?? "",
			date: config?.date ?? "",
			timezone: config?.timezone ?? null,
			version: this.store.version(),
			...summarize(slots),
			slots,
		};
	}

	private snapshot(): SnapshotMessage {
		return { type: "snapshot", ...this.view(Date.now()) };
	}

	private enqueueSaved(appointment: Appointment, dayVersion: number, bookedBy: string) {
		const saved: AppointmentSaved = { appointment, dayVersion, bookedBy };
		this.store.enqueue("appointment.saved", saved);
		// Set in the same turn as the commit, so a crash before delivery still leaves a retry behind.
		if (!this.retryScheduled) void this.scheduleRetry();
	}

	private scheduleRetry(): Promise<void> {
		this.retryScheduled = true;
		return this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
	}

	/**
	 * One delivery at a time: a booking that commits while one is running waits for it, and it goes on until
	 * the outbox is empty, so every caller's row has reached D1 when its promise settles (or the alarm is set).
	 */
	private deliver(): Promise<void> {
		if (this.delivering !== null) {
			// The running delivery may have read the outbox before this caller's commit: it reads again.
			this.redeliver = true;
			return this.delivering;
		}
		this.delivering = (async () => {
			try {
				do {
					this.redeliver = false;
					if (!(await deliverOutbox(this.store, this.env))) return this.scheduleRetry();
				} while (this.redeliver);
			} finally {
				this.delivering = null;
			}
		})();
		return this.delivering;
	}
}

function iso(ms: number): string {
	return new Date(ms).toISOString();
}
