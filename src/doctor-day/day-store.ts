// The doctor-day's SQLite storage: config, version, appointments, idempotency keys, events and timers.
// Every method is synchronous. A day that was only ever read has no tables at all: the schema is
// written by the first change, so reads of a quiet day cost no storage.
import type { Appointment } from "../core/appointment";
import type { BookedCounts } from "../core/booking";
import type { DayConfig } from "../core/day-config";
import { type DayEvent, eventSlot } from "../core/day-decider";
import type { HoldRecord, HoldStatus } from "../core/holds";
import { type AppointmentStatus, holdsPlace, PLACE_FREEING_STATUSES } from "../core/lifecycle";
import type { RescheduleSaga } from "../core/reschedule";
import type { PatientPlaces, WaitlistEntry } from "../core/waitlist";
import { EventLog } from "../events/event-log";
import { Scheduler } from "../lib/scheduler";
import { hasTables, migrate, migrateIfWritten } from "../lib/storage-migrations";
import { transactionWithMirrors } from "../lib/transactions";
import { DAY_SCHEMA } from "./day-schema";

/** How long an Idempotency-Key is remembered; a key reused after that is a new request. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600_000;
/** The version of the appointment records this code writes (appointments.record_version). */
const RECORD_VERSION = 1;
/**
 * Appointments that keep their place (pending, confirmed, checked in, …), as SQL built from constants: the
 * same list holdsPlace() reads, so the places mirror and the queries agree on what keeps a place.
 */
const HOLDS_PLACE = `status NOT IN (${PLACE_FREEING_STATUSES.map((s) => `'${s}'`).join(", ")})`;

export interface StoredAppointment {
	appointment: Appointment;
	start: number;
	end: number;
	bookedBy: string;
	/** The starts of every slot it keeps a place in, when it takes several (a multi-slot type). */
	slots?: readonly number[];
}

/** A value: the store never changes one it gave out (a write replaces its mirror with a new one). */
export interface PlacesTaken {
	readonly booked: BookedCounts;
	/** The day's appointments that keep a place, each counted once. */
	readonly dayBookings: number;
}

/**
 * What time alone can change on the day: when each live hold and each offer ends, and which entries wait.
 * Kept beside the tables on every write, so asking whether anything is due costs no SQL.
 */
interface TimeBound {
	holdEnds: Map<string, number>;
	offerEnds: Map<string, number>;
	waiting: Set<string>;
}

type AppointmentRow = { start_ms: number; end_ms: number; booked_by: string; body: string };
type SlotStartsRow = { slot_starts: string | null };
type PlaceRow = { status: AppointmentStatus; start_ms: number; slot_starts: string | null };
type HoldRow = {
	status: HoldStatus;
	appointment_id: string | null;
	entry_id: string | null;
	body: string;
	slot_starts: string | null;
};
const HOLD_COLUMNS = "status, appointment_id, entry_id, body, slot_starts";

export class DayStore {
	readonly events: EventLog;
	readonly timers: Scheduler;
	private ready: boolean;
	// Mirrors of the day row; reload() after a transaction that rolled back.
	private config: DayConfig | null = null;
	private configStored = false;
	private currentVersion = 0;
	/** Read on first use, kept by insertHold, endHold and saveEntry; forgotten by reload(). */
	private timeBound: TimeBound | null = null;
	/** Read on first use, replaced by insert and updateStatus (the only writers of appointments); forgotten by reload(). */
	private places: PlacesTaken | null = null;

	constructor(private readonly storage: DurableObjectStorage) {
		// Objects migrate their own storage before any event: SQL calls are synchronous. A day never written
		// stays empty until its first change (ensureWritable).
		this.ready = migrateIfWritten(storage, DAY_SCHEMA);
		this.events = new EventLog(storage.sql);
		this.timers = new Scheduler(storage, () => this.ready);
		this.readDay();
	}

	/** Creates the schema on the first change; call inside the change's transaction. */
	ensureWritable(): void {
		if (!this.ready) {
			migrate(this.storage.sql, DAY_SCHEMA);
			this.ready = true;
		}
		if (!this.configStored && this.config !== null) {
			this.storage.sql.exec("UPDATE day SET config = ? WHERE id = 1", JSON.stringify(this.config));
			this.configStored = true;
		}
	}

	/** Runs `work` in one transaction; if it throws, storage rolls back and so do the mirrors. */
	transaction<T>(work: () => T): T {
		return transactionWithMirrors(this.storage, work, () => this.reload());
	}

	reload(): void {
		this.timeBound = null;
		this.places = null;
		this.events.reload();
		this.timers.reload();
		this.ready = hasTables(this.storage.sql);
		this.readDay();
	}

	/** Reads the day row's mirrors (none before the first change), keeping a config only held in memory. */
	private readDay(): void {
		const memoryOnly = this.configStored ? null : this.config;
		const row = this.ready
			? this.storage.sql
					.exec<{ version: number; config: string | null }>("SELECT version, config FROM day WHERE id = 1")
					.one()
			: { version: 0, config: null };
		this.config = row.config === null ? memoryOnly : (JSON.parse(row.config) as DayConfig);
		this.configStored = row.config !== null;
		this.currentVersion = row.version;
	}

	get currentConfig(): DayConfig | null {
		return this.config;
	}

	version(): number {
		return this.currentVersion;
	}

	/** Grows with every committed change of the day; call once per change, inside its transaction. */
	bumpVersion(): number {
		this.ensureWritable();
		const next = this.currentVersion + 1;
		this.storage.sql.exec("UPDATE day SET version = ? WHERE id = 1", next);
		this.currentVersion = next;
		return next;
	}

	/** A config read from D1 for a day with none: kept in memory until the day's first change. */
	useLoadedConfig(config: DayConfig): void {
		if (this.config === null || this.config.version < config.version) {
			this.config = config;
			this.configStored = false;
		}
	}

	/** A pushed config, stored if newer than the one held; returns whether it was. */
	adoptConfig(config: DayConfig): boolean {
		if (this.configStored && this.config !== null && this.config.version >= config.version) return false;
		this.config = config;
		this.configStored = false;
		this.ensureWritable();
		return true;
	}

	/**
	 * The places the day's appointments keep (pending ones too): per slot start, and how many appointments
	 * (each counted once, for `max_per_day`). Every decision asks, so it is kept in memory: one query on first
	 * use, then exact through every write and rollback at no SQL.
	 */
	placesTaken(): PlacesTaken {
		this.places ??= this.readPlaces();
		return this.places;
	}

	private readPlaces(): PlacesTaken {
		const booked = new Map<number, number>();
		let dayBookings = 0;
		if (!this.ready) return { booked, dayBookings };
		const rows = this.storage.sql.exec<{ start_ms: number; slot_starts: string | null; n: number }>(
			`SELECT start_ms, slot_starts, count(*) AS n FROM appointments WHERE ${HOLDS_PLACE} GROUP BY start_ms, slot_starts`,
		);
		for (const row of rows) {
			dayBookings += row.n;
			// A multi-slot appointment takes a place in each of its slots.
			for (const start of startsOf(row.start_ms, row.slot_starts))
				booked.set(start, (booked.get(start) ?? 0) + row.n);
		}
		return { booked, dayBookings };
	}

	/** An appointment keeping a place in each of `starts` came (+1) or went (-1): a new mirror, not a change of it. */
	private notePlaces(starts: readonly number[], delta: 1 | -1): void {
		if (this.places === null) return;
		const booked = new Map(this.places.booked);
		for (const start of starts) {
			const places = (booked.get(start) ?? 0) + delta;
			// A slot nobody keeps a place in is absent, as from the query.
			if (places === 0) booked.delete(start);
			else booked.set(start, places);
		}
		this.places = { booked, dayBookings: this.places.dayBookings + delta };
	}

	/**
	 * The patient's places on the day (their appointments that keep one), and whether one of them starts at
	 * `start`: one scan for both, as every decision for a patient wants both.
	 */
	patientOnDay(patientId: string, start: number): { patientHoldsSlot: boolean; patientPlaces: number } {
		if (!this.ready) return { patientHoldsSlot: false, patientPlaces: 0 };
		const row = this.storage.sql
			.exec<{ places: number; here: number }>(
				`SELECT count(*) AS places, coalesce(max(start_ms = ?), 0) AS here FROM appointments WHERE patient_id = ? AND ${HOLDS_PLACE}`,
				start,
				patientId,
			)
			.one();
		return { patientHoldsSlot: row.here === 1, patientPlaces: row.places };
	}

	/** The starts of the slots an appointment keeps a place in (several for a multi-slot type). */
	placesOf(id: string): readonly number[] {
		const row = this.placeRow(id);
		return row === undefined ? [] : startsOf(row.start_ms, row.slot_starts);
	}

	/** What decides where, and whether, the appointment keeps places. */
	private placeRow(id: string): PlaceRow | undefined {
		if (!this.ready) return undefined;
		return this.storage.sql
			.exec<PlaceRow>("SELECT status, start_ms, slot_starts FROM appointments WHERE id = ?", id)
			.toArray()[0];
	}

	find(id: string): StoredAppointment | null {
		if (!this.ready) return null;
		return first(this.storage.sql.exec<AppointmentRow>("SELECT * FROM appointments WHERE id = ?", id));
	}

	/** The appointment booked under this user's key, if the key is still remembered. */
	findByIdempotencyKey(bookedBy: string, key: string, now: number): StoredAppointment | null {
		if (!this.ready) return null;
		return first(
			this.storage.sql.exec<AppointmentRow>(
				`SELECT a.* FROM idempotency_keys k JOIN appointments a ON a.id = k.appointment_id
				 WHERE k.booked_by = ? AND k.key = ? AND k.created_at > ?`,
				bookedBy,
				key,
				now - IDEMPOTENCY_KEY_TTL_MS,
			),
		);
	}

	/** The appointments holding a place (pending ones too), in the order they were booked (rowid grows). */
	confirmed(): StoredAppointment[] {
		if (!this.ready) return [];
		return this.storage.sql
			.exec<AppointmentRow>(`SELECT * FROM appointments WHERE ${HOLDS_PLACE} ORDER BY rowid`)
			.toArray()
			.map(fromRow);
	}

	/** Every appointment of the day, whatever its status, by start then booking order: the doctor's day view. */
	all(): StoredAppointment[] {
		if (!this.ready) return [];
		return this.storage.sql
			.exec<AppointmentRow>("SELECT * FROM appointments ORDER BY start_ms, rowid")
			.toArray()
			.map(fromRow);
	}

	appointmentCount(): number {
		if (!this.ready) return 0;
		return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM appointments").one().n;
	}

	insert(stored: StoredAppointment, idempotencyKey: string | null, now: number): void {
		const { appointment } = stored;
		const slotStarts = slotStartsColumn(stored.slots);
		this.storage.sql.exec(
			"INSERT INTO appointments (id, start_ms, end_ms, patient_id, booked_by, status, body, record_version, slot_starts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			appointment.id,
			stored.start,
			stored.end,
			appointment.patient_id,
			stored.bookedBy,
			appointment.status,
			JSON.stringify(appointment),
			RECORD_VERSION,
			slotStarts,
		);
		// The starts as the query reads them back from the row.
		if (holdsPlace(appointment.status)) this.notePlaces(startsOf(stored.start, slotStarts), 1);
		if (idempotencyKey !== null) {
			// A key past its time may still have a row (expiry runs by alarm): the new booking takes it over.
			this.storage.sql.exec(
				"INSERT OR REPLACE INTO idempotency_keys (booked_by, key, appointment_id, created_at) VALUES (?, ?, ?, ?)",
				stored.bookedBy,
				idempotencyKey,
				appointment.id,
				now,
			);
		}
	}

	updateStatus(appointment: Appointment): void {
		// Whether the change frees or takes places depends on the status stored before it: read by id from the
		// row itself (not trusted from the caller), and only while the mirror is held.
		const before = this.places === null ? undefined : this.placeRow(appointment.id);
		this.storage.sql.exec(
			"UPDATE appointments SET status = ?, body = ?, record_version = ? WHERE id = ?",
			appointment.status,
			JSON.stringify(appointment),
			RECORD_VERSION,
			appointment.id,
		);
		if (before === undefined) return;
		const kept = holdsPlace(before.status);
		const keeps = holdsPlace(appointment.status);
		if (kept !== keeps) this.notePlaces(startsOf(before.start_ms, before.slot_starts), keeps ? 1 : -1);
	}

	/** Holds that were live when last written (some may be past their time until the expiry alarm runs). */
	liveHolds(): HoldRecord[] {
		// Most days hold nothing most of the time, and the mirror of hold ends knows it without SQL.
		if (!this.ready || this.timeBound?.holdEnds.size === 0) return [];
		return this.storage.sql
			.exec<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE status = 'live' ORDER BY rowid`)
			.toArray()
			.map(holdFromRow);
	}

	findHold(id: string): HoldRecord | null {
		if (!this.ready) return null;
		const [row] = this.storage.sql
			.exec<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE id = ?`, id)
			.toArray();
		return row === undefined ? null : holdFromRow(row);
	}

	insertHold(record: HoldRecord): void {
		const { hold } = record;
		this.storage.sql.exec(
			"INSERT INTO holds (id, start_ms, expires_ms, patient_id, status, appointment_id, body, slot_starts, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			hold.id,
			Date.parse(hold.start),
			Date.parse(hold.expires_at),
			hold.patient_id,
			record.status,
			record.appointmentId,
			JSON.stringify(hold),
			slotStartsColumn(record.starts),
			record.entryId ?? null,
		);
		if (record.status === "live") this.timeBound?.holdEnds.set(hold.id, Date.parse(hold.expires_at));
	}

	/** A live hold ends; only live ones change, so applying an ending twice is harmless. */
	endHold(id: string, status: Exclude<HoldStatus, "live">, appointmentId: string | null = null): void {
		this.storage.sql.exec(
			"UPDATE holds SET status = ?, appointment_id = ? WHERE id = ? AND status = 'live'",
			status,
			appointmentId,
			id,
		);
		this.timeBound?.holdEnds.delete(id);
	}

	/** Waitlist entries still in line (waiting or offered), in the order they joined. */
	openEntries(): WaitlistEntry[] {
		if (!this.ready) return [];
		return this.storage.sql
			.exec<{ body: string }>(
				"SELECT body FROM waitlist WHERE status IN ('waiting', 'offered') ORDER BY rowid",
			)
			.toArray()
			.map((row) => JSON.parse(row.body) as WaitlistEntry);
	}

	findEntry(id: string): WaitlistEntry | null {
		if (!this.ready) return null;
		const [row] = this.storage.sql
			.exec<{ body: string }>("SELECT body FROM waitlist WHERE id = ?", id)
			.toArray();
		return row === undefined ? null : (JSON.parse(row.body) as WaitlistEntry);
	}

	/** Adds an entry at the end of the line, or writes its new state (its place in line stays). */
	saveEntry(entry: WaitlistEntry): void {
		this.storage.sql.exec(
			`INSERT INTO waitlist (id, patient_id, status, body) VALUES (?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body`,
			entry.id,
			entry.patient_id,
			entry.status,
			JSON.stringify(entry),
		);
		if (this.timeBound !== null) noteEntry(this.timeBound, entry);
	}

	/**
	 * Whether time alone has changed nothing by `now`: no live hold and no offer has reached its end, and no
	 * entry waits (every change offers what it freed, but a day coming into the booking horizon frees places
	 * by time alone). Read from memory: the common answer, yes, costs no SQL.
	 */
	untouchedByTime(now: number): boolean {
		const bound = this.readTimeBound();
		if (bound.waiting.size > 0) return false;
		for (const end of bound.holdEnds.values()) if (end <= now) return false;
		for (const end of bound.offerEnds.values()) if (end <= now) return false;
		return true;
	}

	/** Whether any waitlist entry is waiting for a place (offered ones already have one). */
	hasWaiting(): boolean {
		return this.readTimeBound().waiting.size > 0;
	}

	private readTimeBound(): TimeBound {
		if (this.timeBound !== null) return this.timeBound;
		const bound: TimeBound = { holdEnds: new Map(), offerEnds: new Map(), waiting: new Set() };
		// The same fields the expiry decisions read (src/core/holds.ts, waitlist.ts).
		for (const { hold } of this.liveHolds()) bound.holdEnds.set(hold.id, Date.parse(hold.expires_at));
		for (const entry of this.openEntries()) noteEntry(bound, entry);
		this.timeBound = bound;
		return bound;
	}

	/** Each patient's confirmed places on the day: how many, and at which starts. */
	patientPlacesAll(): Map<string, PatientPlaces> {
		const places = new Map<string, { count: number; starts: Set<number> }>();
		for (const { appointment, start } of this.confirmed()) {
			const mine = places.get(appointment.patient_id) ?? { count: 0, starts: new Set<number>() };
			mine.count++;
			mine.starts.add(start);
			places.set(appointment.patient_id, mine);
		}
		return places;
	}

	/** The reschedule saga of this day's appointment `id`, if one was ever begun (and not abandoned). */
	findSaga(id: string): RescheduleSaga | null {
		if (!this.ready) return null;
		const [row] = this.storage.sql
			.exec<{ body: string }>("SELECT body FROM reschedules WHERE appointment_id = ?", id)
			.toArray();
		return row === undefined ? null : (JSON.parse(row.body) as RescheduleSaga);
	}

	saveSaga(saga: RescheduleSaga): void {
		this.storage.sql.exec(
			"INSERT OR REPLACE INTO reschedules (appointment_id, step, body, record_version) VALUES (?, ?, ?, ?)",
			saga.appointmentId,
			saga.step,
			JSON.stringify(saga),
			RECORD_VERSION,
		);
	}

	/** A saga that could not get its new place: nothing of it stays, so the appointment may be moved again. */
	deleteSaga(id: string): void {
		this.storage.sql.exec("DELETE FROM reschedules WHERE appointment_id = ?", id);
	}

	/** The day version at which the slot at `start` last changed (a config change changes every slot). */
	slotChangedAt(start: number): number {
		if (!this.ready) return 0;
		return this.storage.sql
			.exec<{ v: number }>(
				"SELECT max(d.config_changed_version, coalesce(s.version, 0)) AS v FROM day d LEFT JOIN slot_versions s ON s.start_ms = ? WHERE d.id = 1",
				start,
			)
			.one().v;
	}

	/** Notes which slots a change's events touched, at the change's version; inside its transaction. */
	markChanged(events: readonly DayEvent[], version: number): void {
		for (const event of events) {
			const start = eventSlot(event);
			if (start !== null) {
				// A multi-slot appointment or hold changes each of its slots.
				for (const slot of startsOf(start, this.slotStartsOf(event)))
					this.storage.sql.exec(
						"INSERT INTO slot_versions (start_ms, version) VALUES (?, ?) ON CONFLICT (start_ms) DO UPDATE SET version = excluded.version",
						slot,
						version,
					);
			} else if (event.type === "day.config_changed") {
				this.storage.sql.exec("UPDATE day SET config_changed_version = ? WHERE id = 1", version);
			}
		}
	}

	private slotStartsOf(event: DayEvent): string | null {
		const query =
			"appointment" in event
				? this.storage.sql.exec<SlotStartsRow>(
						"SELECT slot_starts FROM appointments WHERE id = ?",
						event.appointment.id,
					)
				: "hold" in event
					? this.storage.sql.exec<SlotStartsRow>("SELECT slot_starts FROM holds WHERE id = ?", event.hold.id)
					: null;
		return query?.toArray()[0]?.slot_starts ?? null;
	}

	/** Forgets keys past their time; answers when the next one expires (null: none left). */
	expireKeys(now: number): number | null {
		if (!this.ready) return null;
		this.storage.sql.exec("DELETE FROM idempotency_keys WHERE created_at <= ?", now - IDEMPOTENCY_KEY_TTL_MS);
		const oldest = this.storage.sql
			.exec<{ oldest: number | null }>("SELECT min(created_at) AS oldest FROM idempotency_keys")
			.one().oldest;
		return oldest === null ? null : oldest + IDEMPOTENCY_KEY_TTL_MS;
	}

	keyCount(): number {
		if (!this.ready) return 0;
		return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM idempotency_keys").one().n;
	}

	/** Drops everything the day stored (and its alarm); the object starts again as never written. */
	async deleteAll(): Promise<void> {
		await this.storage.deleteAll();
		this.reload();
	}
}

/** An entry's new state in the time-bound mirror: an offer's end while offered, waiting while it waits. */
function noteEntry(bound: TimeBound, entry: WaitlistEntry): void {
	bound.waiting.delete(entry.id);
	bound.offerEnds.delete(entry.id);
	if (entry.status === "waiting") bound.waiting.add(entry.id);
	if (entry.status === "offered") bound.offerEnds.set(entry.id, Date.parse(entry.offer_expires_at ?? ""));
}

function first(cursor: SqlStorageCursor<AppointmentRow>): StoredAppointment | null {
	const rows = cursor.toArray();
	return rows[0] === undefined ? null : fromRow(rows[0]);
}

function holdFromRow(row: HoldRow): HoldRecord {
	const record: HoldRecord = {
		hold: JSON.parse(row.body),
		status: row.status,
		appointmentId: row.appointment_id,
		entryId: row.entry_id,
	};
	return row.slot_starts === null ? record : { ...record, starts: JSON.parse(row.slot_starts) as number[] };
}

/** Null for a one-slot appointment or hold (the start says it all); the JSON array of starts otherwise. */
function slotStartsColumn(starts: readonly number[] | undefined): string | null {
	return starts === undefined || starts.length <= 1 ? null : JSON.stringify(starts);
}

function startsOf(start: number, column: string | null): readonly number[] {
	return column === null ? [start] : (JSON.parse(column) as number[]);
}

function fromRow(row: AppointmentRow): StoredAppointment {
	return {
		appointment: JSON.parse(row.body) as Appointment,
		start: row.start_ms,
		end: row.end_ms,
		bookedBy: row.booked_by,
	};
}
