// The Doctor object, one per doctor: the doctor's config and its durable push to every day in the
// horizon, a per-date summary of booked places fed by day events (so a date picker's range read is one
// call), SLOT_FULL alternatives beyond the asked-for day, the doctor's live feed, and the repeating
// series of its patients (src/doctor/series-saga.ts).
import { DurableObject } from "cloudflare:workers";
import type { Actor, Appointment } from "../core/appointment";
import { NO_HOLDS, type SlotView, slotViews, summarize } from "../core/booking";
import { closedReason, type DayConfig } from "../core/day-config";
import { datesInRange } from "../core/day-range";
import { LOOKBACK_DAYS } from "../core/day-window";
import { type DoctorConfig, dayConfigOf } from "../core/doctor-config";
import type { SeriesRequest } from "../core/series";
import { addDays, localDateOf } from "../core/time";
import { loadCurrentDoctorConfig } from "../db/doctor-config";
import { type DoctorMessage, sendToAll } from "../doctor-day/live-messages";
import { doctorDay } from "../doctor-day/stub";
import type { DayFacts } from "../events/consumers";
import { MAX_ATTEMPTS, retryDelay } from "../events/event-log";
import { type DayNotice, deliverToInboxes, doctorContext, inboxDeliveries } from "../events/inboxes";
import { networkTurn, SAFETY_NET_MS, singleFlight, startAfterAnswer } from "../lib/after-answer";
import { hop } from "../lib/hops";
import { closeQuietly, FEED_TIMER, TicketSockets } from "../lib/ticket-sockets";
import { type DayBooked, DoctorStore } from "./doctor-store";
import { SERIES_TIMER_PREFIX, type SeriesResult, SeriesSaga } from "./series-saga";
import { SeriesStore } from "./series-store";

const PUSH_TIMER = "push";
const NOTICE_TIMER = "notices";
// One delivery takes what the doctor's days sent meanwhile: under load, many bookings per inbox call.
const NOTICES_PER_DELIVERY = 100;
const LOOKAHEAD_DAYS = 7;

/** A day's slots as patients see them, from its summary: reserved places and `max_per_day` count (holds do not). */
function daySlots(day: DayConfig, booked: DayBooked | undefined, now: number): SlotView[] {
	return slotViews(day, booked?.booked ?? new Map(), now, NO_HOLDS, booked?.bookings ?? 0);
}

export interface DayCounts {
	date: string;
	closed: "clinic" | null;
	total_slots: number;
	available_count: number;
	booked_count: number;
}

export interface ConfigPushed {
	affected: Appointment[];
	/** Days that have not taken the change yet: the object keeps pushing to them. */
	pending: string[];
}

export interface ConfigChange {
	change: string;
	/** Only these dates changed (an unavailability edit); otherwise every day in the horizon. */
	dates?: readonly string[];
	previousHorizonDays?: number;
}

export class Doctor extends DurableObject<Env> {
	private readonly store: DoctorStore;
	private readonly feed: TicketSockets;
	private readonly series: SeriesSaga;
	private loading: Promise<DoctorConfig | null> | null = null;
	// One delivery of the doctor's notices at a time, started after each day's call and by the alarm.
	private readonly noticeRun = singleFlight(() => this.deliverOwedNotices());
	// Cutting a day into slots asks Intl per slot; day configs are kept per version so each is cut once.
	private dayConfigs = new Map<string, DayConfig>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new DoctorStore(ctx.storage);
		this.feed = new TicketSockets(ctx, this.store.timers, "The token this feed was opened with has expired.");
		this.series = new SeriesSaga(
			env,
			ctx.storage,
			new SeriesStore(ctx.storage),
			this.store.timers,
			(date, wanted) => this.laterAlternatives(date, wanted),
		);
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	/** A changed config, from the Worker after it wrote D1: stored, then pushed to the days it touches. */
	async applyConfig(config: DoctorConfig, change: ConfigChange): Promise<ConfigPushed> {
		this.store.adoptConfig(config);
		const current = this.store.currentConfig ?? config;
		const dates = this.datesToPush(current, change);
		this.store.owePushes(dates, current.version);
		const results = await Promise.all(dates.map((date) => this.pushTo(current, date)));
		const affected = results.flatMap((r) => r ?? []);
		const pending = dates.filter((_, i) => results[i] === null);
		if (pending.length > 0) await this.retryPushesLater(1);
		this.publish([
			{ type: "schedule_changed", change: change.change, dates, affected_appointments: affected },
		]);
		return { affected, pending };
	}

	/**
	 * A day object's config, asked once by a day that has none. The day is remembered, so every later
	 * change is pushed to it; days nobody touched cost nothing when the schedule changes.
	 */
	async configForDay(doctorId: string, date: string): Promise<DayConfig | null> {
		const config = await this.config(doctorId);
		if (config === null) return null;
		this.store.configured(date);
		return this.dayConfig(config, date);
	}

	/** Free places per date, for a date picker; dates nobody booked on count from the config alone. */
	async range(
		doctorId: string,
		from: string,
		to: string,
	): Promise<{ timezone: string | null; days: DayCounts[] }> {
		const config = await this.config(doctorId);
		const now = Date.now();
		const booked = this.store.bookedBetween(from, to);
		const days = datesInRange(from, to).map((date) => {
			const day = config === null ? null : this.dayConfig(config, date);
			const slots = day === null ? [] : daySlots(day, booked.get(date), now);
			return { date, closed: closedReason(day), ...summarize(slots) };
		});
		return { timezone: config?.timezone ?? null, days };
	}

	/** Up to `wanted` available slots on the days after `date`, nearest first. */
	async alternativesAfter(doctorId: string, date: string, wanted: number): Promise<SlotView[]> {
		const config = await this.config(doctorId);
		if (config === null) return [];
		const now = Date.now();
		const last = addDays(date, LOOKAHEAD_DAYS);
		const booked = this.store.bookedBetween(addDays(date, 1), last);
		const found: SlotView[] = [];
		for (let day = addDays(date, 1); day <= last && found.length < wanted; day = addDays(day, 1)) {
			const slots = daySlots(this.dayConfig(config, day), booked.get(day), now);
			found.push(...slots.filter((s) => s.status === "available").slice(0, wanted - found.length));
		}
		return found;
	}

	/**
	 * A repeating series for one patient, all or none. The one object that owns it (so its id and its key
	 * are found in one place, and its saga outlives any one of its days), calling each occurrence's day.
	 */
	async startSeries(request: SeriesRequest, actor: Actor, key: string | null): Promise<SeriesResult> {
		const config = await this.config(request.doctorId);
		if (config === null) return { ok: false, code: "DOCTOR_UNAVAILABLE" };
		return this.series.start(config, request, actor, key);
	}

	async seriesOf(id: string, actor: Actor): Promise<SeriesResult> {
		return this.series.view(id, actor);
	}

	async cancelSeries(id: string, actor: Actor): Promise<SeriesResult> {
		return this.series.cancel(id, actor);
	}

	/**
	 * A day's events, delivered after its answer: the summary keeps the newest counts, tabs hear the news,
	 * and the doctor's notifications are kept, then delivered right after with what other days sent meanwhile.
	 */
	async dayChanged(day: DayFacts, messages: DoctorMessage[], notices: DayNotice[] = []): Promise<void> {
		const deliverNow = this.ctx.storage.transactionSync(() => {
			this.store.recordDay(day.date, day.version, day.booked, day.bookings ?? null);
			if (notices.length === 0) return false;
			this.store.addNotices(notices);
			// While a failed notice backs off, new ones wait behind it for its retry (the timer is set for it).
			if (this.store.noticesBackingOff()) return false;
			this.store.timers.atOrBefore(NOTICE_TIMER, Date.now() + SAFETY_NET_MS);
			return true;
		});
		if (notices.length > 0) await this.store.timers.arm();
		this.publish(messages);
		if (deliverNow) startAfterAnswer(this.noticeRun, "doctor_notices_failed", { doctor_id: day.doctorId });
	}

	/** A doctor's tab connecting with a ticket the Worker has already verified. */
	override fetch(request: Request): Promise<Response> {
		return this.feed.accept(request, (pass): DoctorMessage => ({ type: "hello", doctor_id: pass.target }));
	}

	override async webSocketMessage(): Promise<void> {
		// Tabs only listen; anything they send besides the automatic ping is ignored.
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
	}

	/** Runs the due timers: push retries (idempotent: alarms fire at least once) and the feed's expiries. */
	override async alarm(): Promise<void> {
		this.store.timers.fired();
		const due = this.store.timers.due(Date.now());
		if (due.some((t) => t.name === FEED_TIMER)) this.feed.expire(Date.now());
		for (const timer of due)
			if (timer.name.startsWith(SERIES_TIMER_PREFIX)) await this.series.retry(timer, Date.now());
		const config = this.store.currentConfig;
		const owed = this.store.pendingPushes();
		// An alarm with nothing due (a repeat, or one set before timers existed) retries too: pushes are idempotent.
		const retryDue = due.length === 0 || due.some((t) => t.name === PUSH_TIMER);
		if (config !== null && owed.length > 0 && retryDue) {
			const results = await Promise.all(owed.map((p) => this.pushTo(config, p.date)));
			const attempts = Math.max(...owed.map((p) => p.attempts));
			if (results.some((r) => r === null)) await this.retryPushesLater(attempts + 1);
		}
		if (config?.timezone)
			this.store.forgetBefore(addDays(localDateOf(Date.now(), config.timezone), -LOOKBACK_DAYS));
		for (const timer of due) this.store.timers.done(timer);
		if (due.some((t) => t.name === NOTICE_TIMER)) await this.noticeRun();
		await this.store.timers.arm();
	}

	/**
	 * Delivers every owed notice, batch by batch, then drops the safety net; after a failure the timer is
	 * set for the retry. Each batch waits a network turn first, so what other days send meanwhile joins it.
	 */
	private async deliverOwedNotices(): Promise<void> {
		for (;;) {
			await networkTurn();
			const retryAt = await this.deliverNotices();
			if (retryAt !== null) {
				this.store.timers.at(NOTICE_TIMER, retryAt);
				break;
			}
			if (!this.store.hasNotices()) {
				this.store.timers.cancel(NOTICE_TIMER);
				break;
			}
		}
		await this.store.timers.arm();
	}

	/** Delivers the owed notices to the doctor's accounts; when a delivery fails, when to try again. */
	private async deliverNotices(): Promise<number | null> {
		const { notices, attempts } = this.store.notices(NOTICES_PER_DELIVERY);
		const first = notices[0];
		if (first === undefined) return null;
		try {
			const doctor = await doctorContext(this.env, first.doctorId);
			await deliverToInboxes(
				this.env,
				await inboxDeliveries(notices, "doctor", doctor),
				"Doctor.deliverNotices",
			);
			this.store.removeNotices(notices);
			return null;
		} catch (error) {
			const failed = { event: "doctor_notices_failed", doctor_id: first.doctorId, error: String(error) };
			if (attempts + 1 >= MAX_ATTEMPTS) {
				console.error(JSON.stringify({ ...failed, dead_letter: { date: first.date, seq: first.seq } }));
				this.store.removeNotices([first], { error: String(error), at: Date.now() });
				return null;
			}
			console.error(JSON.stringify(failed));
			this.store.noticeFailed(first);
			return Date.now() + retryDelay(attempts + 1);
		}
	}

	/** Free slots on the days after `date`, from the summaries; nothing when the doctor has no config. */
	private async laterAlternatives(date: string, wanted: number): Promise<SlotView[]> {
		const doctorId = this.store.currentConfig?.doctorId;
		return doctorId === undefined ? [] : this.alternativesAfter(doctorId, date, wanted);
	}

	/** Pushes the config to one day; null when the day did not take it (it stays owed). */
	private async pushTo(config: DoctorConfig, date: string): Promise<Appointment[] | null> {
		try {
			hop(this.env, "object→object", "before", "Doctor.pushTo");
			const applied = await doctorDay(this.env, config.doctorId, date).applyConfig(dayConfigOf(config, date));
			this.store.pushed(date, config.version);
			return applied.affected;
		} catch (error) {
			this.store.pushFailed(date);
			console.error(
				JSON.stringify({
					event: "config_push_failed",
					doctor_id: config.doctorId,
					date,
					error: String(error),
				}),
			);
			return null;
		}
	}

	private retryPushesLater(attempts: number): Promise<void> {
		this.store.timers.at(PUSH_TIMER, Date.now() + retryDelay(attempts));
		return this.store.timers.arm();
	}

	/**
	 * The days holding a config from today to the horizon (the larger of the old and new), or just the
	 * given dates among them. Any other day has no config to update: it asks for the current one when used.
	 */
	private datesToPush(config: DoctorConfig, change: ConfigChange): string[] {
		const zone = config.timezone ?? "UTC";
		const today = localDateOf(Date.now(), zone);
		const last = addDays(today, Math.max(change.previousHorizonDays ?? 0, config.horizonDays));
		const configured = this.store.configuredBetween(today, last);
		return change.dates === undefined ? configured : configured.filter((d) => change.dates?.includes(d));
	}

	/** The doctor's config; a Doctor object that has none reads D1 once. */
	private async config(doctorId: string): Promise<DoctorConfig | null> {
		const held = this.store.currentConfig;
		if (held !== null) return held;
		if (this.loading === null) hop(this.env, "object→D1", "before", "Doctor.config");
		this.loading ??= loadCurrentDoctorConfig(this.env.DB, doctorId).finally(() => {
			this.loading = null;
		});
		const loaded = await this.loading;
		if (loaded !== null) this.store.adoptConfig(loaded);
		return this.store.currentConfig;
	}

	private dayConfig(config: DoctorConfig, date: string): DayConfig {
		const held = this.dayConfigs.get(date);
		if (held !== undefined && held.version === config.version) return held;
		const made = dayConfigOf(config, date);
		this.dayConfigs.set(date, made);
		return made;
	}

	private publish(messages: readonly DoctorMessage[]): void {
		const sockets = this.ctx.getWebSockets();
		for (const message of messages) sendToAll(sockets, message);
	}
}
