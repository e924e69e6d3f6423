// A doctor-day's typed events and each consumer's delivery state, in the object's own SQLite.
// Written in the transaction that makes the change; delivered after the answer, per consumer, with
// backoff, and dead-lettered (a row and a log line) when a consumer keeps failing.
import type { DayEvent } from "../core/day-decider";

export const EVENT_LOG_TABLES = `
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	day_version INTEGER NOT NULL,
	body TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
	consumer TEXT NOT NULL,
	seq INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	PRIMARY KEY (consumer, seq)
);
CREATE TABLE IF NOT EXISTS dead_letters (
	consumer TEXT NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	body TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	error TEXT NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (consumer, seq)
);`;

/** Attempts before an event is given up for one consumer (about half an hour of backoff in all). */
export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 10 * 60_000;

export function retryDelay(attempts: number): number {
	return Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);
}

export interface StoredEvent {
	seq: number;
	dayVersion: number;
	event: DayEvent;
	attempts: number;
}

export class EventLog {
	constructor(private readonly sql: SqlStorage) {}

	append(events: readonly DayEvent[], dayVersion: number, consumers: readonly string[], now: number): void {
		for (const event of events) {
			const { seq } = this.sql
				.exec<{ seq: number }>(
					"INSERT INTO events (type, day_version, body, at) VALUES (?, ?, ?, ?) RETURNING seq",
					event.type,
					dayVersion,
					JSON.stringify(event),
					now,
				)
				.one();
			for (const consumer of consumers) {
				this.sql.exec("INSERT INTO deliveries (consumer, seq, next_at) VALUES (?, ?, ?)", consumer, seq, now);
			}
		}
	}

	/** The consumer's events that are due, oldest first. */
	due(consumer: string, now: number, limit: number): StoredEvent[] {
		return this.sql
			.exec<{ seq: number; day_version: number; body: string; attempts: number }>(
				`SELECT e.seq, e.day_version, e.body, d.attempts FROM deliveries d JOIN events e ON e.seq = d.seq
				 WHERE d.consumer = ? AND d.next_at <= ? ORDER BY e.seq LIMIT ?`,
				consumer,
				now,
				limit,
			)
			.toArray()
			.map((row) => ({
				seq: row.seq,
				dayVersion: row.day_version,
				event: JSON.parse(row.body) as DayEvent,
				attempts: row.attempts,
			}));
	}

	delivered(consumer: string, seqs: readonly number[]): void {
		this.sql.exec(
			"DELETE FROM deliveries WHERE consumer = ? AND seq IN (SELECT value FROM json_each(?))",
			consumer,
			JSON.stringify(seqs),
		);
		this.dropFinished(seqs);
	}

	/** Backs off each failed event; one that has used its attempts moves to the dead letters. */
	failed(consumer: string, batch: readonly StoredEvent[], error: string, now: number): void {
		const dead: number[] = [];
		for (const item of batch) {
			const attempts = item.attempts + 1;
			if (attempts >= MAX_ATTEMPTS) {
				this.sql.exec(
					"INSERT OR REPLACE INTO dead_letters (consumer, seq, type, body, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
					consumer,
					item.seq,
					item.event.type,
					JSON.stringify(item.event),
					attempts,
					error,
					now,
				);
				this.sql.exec("DELETE FROM deliveries WHERE consumer = ? AND seq = ?", consumer, item.seq);
				dead.push(item.seq);
			} else {
				this.sql.exec(
					"UPDATE deliveries SET attempts = ?, next_at = ? WHERE consumer = ? AND seq = ?",
					attempts,
					now + retryDelay(attempts),
					consumer,
					item.seq,
				);
			}
		}
		if (dead.length > 0) {
			console.error(JSON.stringify({ event: "day_event_dead_lettered", consumer, seqs: dead, error }));
			this.dropFinished(dead);
		}
	}

	/** When the earliest pending delivery is due, or null when every consumer has everything. */
	nextDue(): number | null {
		return this.sql.exec<{ next: number | null }>("SELECT min(next_at) AS next FROM deliveries").one().next;
	}

	pendingCount(): number {
		return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM deliveries").one().n;
	}

	deadLetters(): { consumer: string; seq: number; type: string; attempts: number; error: string }[] {
		return this.sql
			.exec<{ consumer: string; seq: number; type: string; attempts: number; error: string }>(
				"SELECT consumer, seq, type, attempts, error FROM dead_letters ORDER BY seq",
			)
			.toArray();
	}

	private dropFinished(seqs: readonly number[]): void {
		this.sql.exec(
			`DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))
			 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = events.seq)`,
			JSON.stringify(seqs),
		);
	}
}
