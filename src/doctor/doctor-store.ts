// The Doctor object's SQLite storage: the doctor's config, per-date booked counts fed by day events, the
// config pushes still owed to days, and (used_tickets, src/lib/ticket-sockets.ts) the live tickets already
// used. Every method is synchronous.
import type { BookedCounts } from "../core/booking";
import type { DoctorConfig } from "../core/doctor-config";
import { Scheduler, TIMERS_TABLE } from "../lib/scheduler";
import { migrate, type StorageSchema } from "../lib/storage-migrations";

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
];

/** The migrations' sum for a new Doctor object (test/doctor-day/day-schema.test.ts compares the two). */
export const DOCTOR_SCHEMA: StorageSchema = {
	migrations: DOCTOR_MIGRATIONS,
	fresh: `CREATE TABLE doctor (id INTEGER PRIMARY KEY CHECK (id = 1), config TEXT NOT NULL);
	CREATE TABLE day_summaries (date TEXT PRIMARY KEY, day_version INTEGER NOT NULL, booked TEXT NOT NULL);
	CREATE TABLE pushes (date TEXT PRIMARY KEY, version INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
	${TIMERS_TABLE};
	CREATE TABLE used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
	CREATE INDEX used_tickets_expiry ON used_tickets (expires_at);
	CREATE TABLE configured_days (date TEXT PRIMARY KEY);`,
};

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
		storage.transactionSync(() => migrate(storage.sql, DOCTOR_SCHEMA));
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
	recordDay(date: string, dayVersion: number, booked: readonly [number, number][]): void {
		this.storage.sql.exec(
			`INSERT INTO day_summaries (date, day_version, booked) VALUES (?, ?, ?)
			 ON CONFLICT (date) DO UPDATE SET day_version = excluded.day_version, booked = excluded.booked
			 WHERE excluded.day_version > day_summaries.day_version`,
			date,
			dayVersion,
			JSON.stringify(booked),
		);
	}

	/** Booked counts per date between two dates; dates without bookings are absent. */
	bookedBetween(from: string, to: string): Map<string, BookedCounts> {
		const rows = this.storage.sql.exec<{ date: string; booked: string }>(
			"SELECT date, booked FROM day_summaries WHERE date BETWEEN ? AND ?",
			from,
			to,
		);
		const byDate = new Map<string, BookedCounts>();
		for (const row of rows) byDate.set(row.date, new Map(JSON.parse(row.booked) as [number, number][]));
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
}
