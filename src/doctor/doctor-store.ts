// The Doctor object's SQLite storage: the doctor's config, per-date booked counts fed by day events, the
// config pushes still owed to days, and (used_tickets, src/lib/ticket-sockets.ts) the live tickets already
// used. Every method is synchronous.
import type { BookedCounts } from "../core/booking";
import type { DayEvent } from "../core/day-decider";
import type { DoctorConfig } from "../core/doctor-config";
import type { DayNotice } from "../events/inboxes";
import { Scheduler, TIMERS_TABLE } from "../lib/scheduler";
import { migrateStorage, type StorageSchema } from "../lib/storage-migrations";

const NOTICE_TABLES = `CREATE TABLE notices (
		doctor_id TEXT NOT NULL,
		date TEXT NOT NULL,
		seq INTEGER NOT NULL,
		event TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (date, seq)
	);
	CREATE TABLE dead_notices (
		date TEXT NOT NULL,
		seq INTEGER NOT NULL,
		event TEXT NOT NULL,
		error TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (date, seq)
	);`;

const SERIES_TABLES = `CREATE TABLE series (
		id TEXT PRIMARY KEY,
		requester TEXT NOT NULL,
		idempotency_key TEXT,
		phase TEXT NOT NULL,
		body TEXT NOT NULL,
		record_version INTEGER NOT NULL
	);
	CREATE INDEX series_key ON series (requester, idempotency_key);`;

const DOCTOR_MIGRATIONS: readonly string[] = [
	// 1: the config, per-date summaries, owed pushes and timers.
	`CREATE TABLE doctor (id INTEGER PRIMARY KEY CHECK (id = 1), config TEXT NOT NULL);
	CREATE TABLE day_summaries (date TEXT PRIMARY KEY, day_version INTEGER NOT NULL, booked TEXT NOT NULL);
	CREATE TABLE pushes (date TEXT PRIMARY KEY, version INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
	${TIMERS_TABLE};`,
	// 2: live-feed tickets are single-use: each id is kept until the ticket expires, then forgotten.
	`CREATE TABLE used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
	CREATE INDEX used_tickets_expiry ON used_tickets (expires_at);`,
	// 3: the days that hold a config (they asked for it): the only ones a change is pushed to. A doctor
	// that existed before this had its config pushed to every day of its horizon, so those all count.
	`CREATE TABLE configured_days (date TEXT PRIMARY KEY);
	WITH RECURSIVE day(date) AS (
		SELECT date('now', '-8 days') UNION ALL SELECT date(date, '+1 day') FROM day WHERE date < date('now', '+400 days')
	)
	INSERT INTO configured_days (date) SELECT date FROM day WHERE EXISTS (SELECT 1 FROM doctor);`,
	// 4: the doctor's notifications still to deliver to their accounts' inboxes, and those given up on.
	`${NOTICE_TABLES}`,
	// 5: each day's count of bookings (a multi-slot one once), for max_per_day; null: the sum of places.
	"ALTER TABLE day_summaries ADD COLUMN bookings INTEGER;",
	// 6: repeating series this doctor's object drives (src/doctor/series-saga.ts), found by id or by key.
	`${SERIES_TABLES}`,
];

/** The migrations' sum for a new Doctor object (test/doctor-day/day-schema.test.ts compares the two). */
export const DOCTOR_SCHEMA: StorageSchema = {
	migrations: DOCTOR_MIGRATIONS,
	fresh: `CREATE TABLE doctor (id INTEGER PRIMARY KEY CHECK (id = 1), config TEXT NOT NULL);
	CREATE TABLE day_summaries (date TEXT PRIMARY KEY, day_version INTEGER NOT NULL, booked TEXT NOT NULL, bookings INTEGER);
	CREATE TABLE pushes (date TEXT PRIMARY KEY, version INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
	${TIMERS_TABLE};
	CREATE TABLE used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
	CREATE INDEX used_tickets_expiry ON used_tickets (expires_at);
	CREATE TABLE configured_days (date TEXT PRIMARY KEY);
	${NOTICE_TABLES}
	${SERIES_TABLES}`,
};

/** A day's places per slot, and its bookings counted once each (for `max_per_day`). */
export interface DayBooked {
	booked: BookedCounts;
	bookings: number;
}

export interface PendingPush {
	date: string;
	version: number;
	attempts: number;
}

export class DoctorStore {
	readonly timers: Scheduler;
	private config: DoctorConfig | null;

	constructor(private readonly storage: DurableObjectStorage) {
		// Doctor objects exist only for doctors that exist (the Worker checks first), so the schema is eager.
		migrateStorage(storage, DOCTOR_SCHEMA);
		this.timers = new Scheduler(storage, () => true);
		const row = storage.sql.exec<{ config: string }>("SELECT config FROM doctor").toArray()[0];
		this.config = row === undefined ? null : (JSON.parse(row.config) as DoctorConfig);
	}

	get currentConfig(): DoctorConfig | null {
		return this.config;
	}

	/** Keeps `config` if it is newer than the one held; returns whether it was. */
	adoptConfig(config: DoctorConfig): boolean {
		if (this.config !== null && this.config.version >= config.version) return false;
		this.storage.sql.exec(
			"INSERT INTO doctor (id, config) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET config = excluded.config",
			JSON.stringify(config),
		);
		this.config = config;
		return true;
	}

	/** Keeps a day's booked counts if they are newer than the ones held (deliveries may repeat or cross). */
	recordDay(
		date: string,
		dayVersion: number,
		booked: readonly [number, number][],
		bookings: number | null = null,
	): void {
		this.storage.sql.exec(
			`INSERT INTO day_summaries (date, day_version, booked, bookings) VALUES (?, ?, ?, ?)
			 ON CONFLICT (date) DO UPDATE SET day_version = excluded.day_version, booked = excluded.booked,
			 bookings = excluded.bookings
			 WHERE excluded.day_version > day_summaries.day_version`,
			date,
			dayVersion,
			JSON.stringify(booked),
			bookings,
		);
	}

	/** Booked counts per date between two dates; dates without bookings are absent. */
	bookedBetween(from: string, to: string): Map<string, DayBooked> {
		const rows = this.storage.sql.exec<{ date: string; booked: string; bookings: number | null }>(
			"SELECT date, booked, bookings FROM day_summaries WHERE date BETWEEN ? AND ?",
			from,
			to,
		);
		const byDate = new Map<string, DayBooked>();
		for (const row of rows) {
			const booked = new Map(JSON.parse(row.booked) as [number, number][]);
			const sum = [...booked.values()].reduce((a, b) => a + b, 0);
			byDate.set(row.date, { booked, bookings: row.bookings ?? sum });
		}
		return byDate;
	}

	/** Drops what is kept of days long past: nothing reads their summaries or pushes to them. */
	forgetBefore(date: string): void {
		this.storage.sql.exec("DELETE FROM day_summaries WHERE date < ?", date);
		this.storage.sql.exec("DELETE FROM configured_days WHERE date < ?", date);
	}

	/** A day asked for its config: it holds one from now on, and hears of every change. */
	configured(date: string): void {
		this.storage.sql.exec("INSERT OR IGNORE INTO configured_days (date) VALUES (?)", date);
	}

	configuredBetween(from: string, to: string): string[] {
		return this.storage.sql
			.exec<{ date: string }>(
				"SELECT date FROM configured_days WHERE date BETWEEN ? AND ? ORDER BY date",
				from,
				to,
			)
			.toArray()
			.map((row) => row.date);
	}

	owePushes(dates: readonly string[], version: number): void {
		for (const date of dates) {
			this.storage.sql.exec(
				"INSERT INTO pushes (date, version) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET version = max(version, excluded.version), attempts = 0",
				date,
				version,
			);
		}
	}

	pendingPushes(): PendingPush[] {
		return this.storage.sql
			.exec<{ date: string; version: number; attempts: number }>(
				"SELECT date, version, attempts FROM pushes ORDER BY date",
			)
			.toArray();
	}

	/** A day took `version` (or a newer one): nothing is owed to it any more up to that version. */
	pushed(date: string, version: number): void {
		this.storage.sql.exec("DELETE FROM pushes WHERE date = ? AND version <= ?", date, version);
	}

	pushFailed(date: string): void {
		this.storage.sql.exec("UPDATE pushes SET attempts = attempts + 1 WHERE date = ?", date);
	}

	/** Notices to deliver later; a notice delivered again (a repeated day delivery) is kept once. */
	addNotices(notices: readonly DayNotice[]): void {
		for (const n of notices) {
			this.storage.sql.exec(
				"INSERT OR IGNORE INTO notices (doctor_id, date, seq, event) VALUES (?, ?, ?, ?)",
				n.doctorId,
				n.date,
				n.seq,
				JSON.stringify(n.event),
			);
		}
	}

	/**
	 * The oldest notices still owed, at most `limit`; after a failure only the one that failed (with its
	 * failed attempts), so a notice that cannot be delivered is given up on alone.
	 */
	notices(limit: number): { notices: DayNotice[]; attempts: number } {
		const rows = this.storage.sql
			.exec<{ doctor_id: string; date: string; seq: number; event: string; attempts: number }>(
				"SELECT doctor_id, date, seq, event, attempts FROM notices ORDER BY rowid LIMIT ?",
				limit,
			)
			.toArray();
		const attempts = rows[0]?.attempts ?? 0;
		return {
			notices: rows.slice(0, attempts > 0 ? 1 : rows.length).map((row) => ({
				doctorId: row.doctor_id,
				date: row.date,
				seq: row.seq,
				event: JSON.parse(row.event) as DayEvent,
			})),
			attempts,
		};
	}

	noticeFailed(notice: DayNotice): void {
		this.storage.sql.exec(
			"UPDATE notices SET attempts = attempts + 1 WHERE date = ? AND seq = ?",
			notice.date,
			notice.seq,
		);
	}

	/** The oldest owed notice failed before: it is waiting for its retry. */
	noticesBackingOff(): boolean {
		const first = this.storage.sql
			.exec<{ attempts: number }>("SELECT attempts FROM notices ORDER BY rowid LIMIT 1")
			.toArray()[0];
		return (first?.attempts ?? 0) > 0;
	}

	hasNotices(): boolean {
		return this.storage.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0;
	}

	/** Delivered, or given up on (then kept as dead with the error). */
	removeNotices(notices: readonly DayNotice[], deadWith?: { error: string; at: number }): void {
		for (const n of notices) {
			if (deadWith !== undefined) {
				this.storage.sql.exec(
					"INSERT OR REPLACE INTO dead_notices (date, seq, event, error, at) VALUES (?, ?, ?, ?, ?)",
					n.date,
					n.seq,
					JSON.stringify(n.event),
					deadWith.error,
					deadWith.at,
				);
			}
			this.storage.sql.exec("DELETE FROM notices WHERE date = ? AND seq = ?", n.date, n.seq);
		}
	}

	deadNotices(): { date: string; seq: number; error: string }[] {
		return this.storage.sql
			.exec<{ date: string; seq: number; error: string }>(
				"SELECT date, seq, error FROM dead_notices ORDER BY at",
			)
			.toArray();
	}
}
