// A doctor-day's typed events and each consumer's place in them, in the object's own SQLite. Events are
// written in the transaction that makes the change and delivered after the answer, to each consumer in
// order from its cursor, with backoff; an event a consumer keeps failing on is dead-lettered (a row and
// a log line) and the consumer moves past it. An event goes once every consumer has it.
import type { DayEvent } from "../core/day-decider";

export const EVENT_LOG_TABLES = `
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	day_version INTEGER NOT NULL,
	body TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS event_cursors (
	consumer TEXT PRIMARY KEY,
	delivered_seq INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL DEFAULT 0
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

/** Attempts at one event before it is given up for one consumer (about half an hour of backoff in all). */
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
	/** Failed attempts so far at this event (a batch after a failure holds one event: the one that failed). */
	attempts: number;
}

export class EventLog {
	/** The consumers with a cursor, read once; null until needed, and after a rolled-back transaction. */
	private cursors: Set<string> | null = null;

	constructor(private readonly sql: SqlStorage) {}

	/** Inside the change's transaction. A consumer new to this day starts at these events. */
	append(events: readonly DayEvent[], dayVersion: number, consumers: readonly string[], now: number): void {
		let firstSeq: number | null = null;
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
			firstSeq ??= seq;
		}
		if (firstSeq !== null) this.startCursors(consumers, firstSeq - 1);
	}

	/** The consumer's next events if it is due: a batch, or after a failure the one event it failed on. */
	due(consumer: string, now: number, limit: number): StoredEvent[] {
		const rows = this.sql
			.exec<{ seq: number; day_version: number; body: string; attempts: number }>(
				`SELECT e.seq, e.day_version, e.body, c.attempts FROM event_cursors c JOIN events e ON e.seq > c.delivered_seq
				 WHERE c.consumer = ? AND c.next_at <= ? ORDER BY e.seq LIMIT ?`,
				consumer,
				now,
				limit,
			)
			.toArray();
		const retrying = (rows[0]?.attempts ?? 0) > 0;
		return (retrying ? rows.slice(0, 1) : rows).map((row) => ({
			seq: row.seq,
			dayVersion: row.day_version,
			event: JSON.parse(row.body) as DayEvent,
			attempts: row.attempts,
		}));
	}

	/** The consumer has everything up to `throughSeq`. */
	delivered(consumer: string, throughSeq: number): void {
		this.sql.exec(
			"UPDATE event_cursors SET delivered_seq = ?, attempts = 0, next_at = 0 WHERE consumer = ? AND delivered_seq < ?",
			throughSeq,
			consumer,
			throughSeq,
		);
		this.dropDelivered();
	}

	/** Backs the consumer off; the event it has failed on too often moves to the dead letters. */
	failed(consumer: string, batch: readonly StoredEvent[], error: string, now: number): void {
		const head = batch[0];
		if (head === undefined) return;
		const attempts = head.attempts + 1;
		if (attempts < MAX_ATTEMPTS) {
			this.sql.exec(
				"UPDATE event_cursors SET attempts = ?, next_at = ? WHERE consumer = ?",
				attempts,
				now + retryDelay(attempts),
				consumer,
			);
			return;
		}
		this.sql.exec(
			"INSERT OR REPLACE INTO dead_letters (consumer, seq, type, body, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			consumer,
			head.seq,
			head.event.type,
			JSON.stringify(head.event),
			attempts,
			error,
			now,
		);
		console.error(JSON.stringify({ event: "day_event_dead_lettered", consumer, seqs: [head.seq], error }));
		this.delivered(consumer, head.seq);
	}

	/** When the earliest consumer with events still owed is due, or null when every consumer has everything. */
	nextDue(): number | null {
		return this.sql
			.exec<{ next: number | null }>(
				`SELECT min(c.next_at) AS next FROM event_cursors c
				 WHERE EXISTS (SELECT 1 FROM events e WHERE e.seq > c.delivered_seq)`,
			)
			.one().next;
	}

	/** Events still owed, counted once per consumer that is owed them. */
	pendingCount(): number {
		return this.sql
			.exec<{ n: number }>(
				"SELECT count(*) AS n FROM event_cursors c JOIN events e ON e.seq > c.delivered_seq",
			)
			.one().n;
	}

	deadLetters(): { consumer: string; seq: number; type: string; attempts: number; error: string }[] {
		return this.sql
			.exec<{ consumer: string; seq: number; type: string; attempts: number; error: string }>(
				"SELECT consumer, seq, type, attempts, error FROM dead_letters ORDER BY seq",
			)
			.toArray();
	}

	/** Forgets what it read from storage (after a rolled-back transaction, or a wipe). */
	reload(): void {
		this.cursors = null;
	}

	/**
	 * Gives each consumer without a cursor one, just before `seq`, and drops the cursors of consumers no
	 * longer in the code (they would keep every event forever).
	 */
	private startCursors(consumers: readonly string[], beforeSeq: number): void {
		if (this.cursors === null) {
			const stored = this.sql.exec<{ consumer: string }>("SELECT consumer FROM event_cursors").toArray();
			this.cursors = new Set(stored.map((row) => row.consumer));
			for (const gone of [...this.cursors].filter((c) => !consumers.includes(c))) {
				this.sql.exec("DELETE FROM event_cursors WHERE consumer = ?", gone);
				this.cursors.delete(gone);
			}
		}
		for (const consumer of consumers) {
			if (this.cursors.has(consumer)) continue;
			this.sql.exec("INSERT INTO event_cursors (consumer, delivered_seq) VALUES (?, ?)", consumer, beforeSeq);
			this.cursors.add(consumer);
		}
	}

	private dropDelivered(): void {
		this.sql.exec("DELETE FROM events WHERE seq <= (SELECT min(delivered_seq) FROM event_cursors)");
	}
}
