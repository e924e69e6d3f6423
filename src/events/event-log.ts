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

interface Cursor {
	deliveredSeq: number;
	attempts: number;
	nextAt: number;
}

/** What delivery reads on every change, kept in memory: each consumer's cursor and the events not yet dropped. */
interface Mirror {
	cursors: Map<string, Cursor>;
	lastSeq: number;
	/** Appended events by seq, while every consumer has yet to take them (the common case: a few). */
	recent: Map<number, { dayVersion: number; event: DayEvent }>;
	/** Consumers whose cursor moved since it was last written (see `save`). */
	unsaved: Set<string>;
	/** Events through this seq are dropped from storage by this mirror's saves (-1: none yet). */
	droppedThrough: number;
}

// A consumer stuck in backoff keeps events in the log; past this many the mirror stops holding them and
// `due` reads them from SQL.
const RECENT_MAX = 500;

export class EventLog {
	/**
	 * Read once from storage, then kept exact by this class's own writes, so a delivery run needs no read:
	 * every change's events reach five consumers. Null until needed, and after a rolled-back transaction.
	 */
	private mirror: Mirror | null = null;

	constructor(private readonly sql: SqlStorage) {}

	/** Inside the change's transaction. A consumer new to this day starts at these events. */
	append(events: readonly DayEvent[], dayVersion: number, consumers: readonly string[], now: number): void {
		const mirror = this.load();
		// The change's transaction carries the cursors moved since the last save, at no commit of their own.
		this.save();
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
			mirror.lastSeq = seq;
			if (mirror.recent.size < RECENT_MAX) mirror.recent.set(seq, { dayVersion, event });
		}
		if (firstSeq !== null) this.startCursors(mirror, consumers, firstSeq - 1);
	}

	/**
	 * The consumer's next events if it is due: a batch, or after a failure the one event it failed on. The
	 * events are shared by every consumer's batch: consumers read them, never change them.
	 */
	due(consumer: string, now: number, limit: number): StoredEvent[] {
		const mirror = this.load();
		const cursor = mirror.cursors.get(consumer);
		if (cursor === undefined || cursor.nextAt > now || cursor.deliveredSeq >= mirror.lastSeq) return [];
		const count = Math.min(cursor.attempts > 0 ? 1 : limit, mirror.lastSeq - cursor.deliveredSeq);
		const batch: StoredEvent[] = [];
		for (let seq = cursor.deliveredSeq + 1; batch.length < count; seq++) {
			const held = mirror.recent.get(seq);
			if (held === undefined) return this.read(cursor, count);
			batch.push({ seq, dayVersion: held.dayVersion, event: held.event, attempts: cursor.attempts });
		}
		return batch;
	}

	/**
	 * The consumer has everything up to `throughSeq`: held in memory until `save`, so that the five consumers
	 * of a change, finishing one by one, cost one write between them. Until then a crash only means the
	 * consumer is given those events again, which every consumer already takes for a crash mid-delivery.
	 */
	delivered(consumer: string, throughSeq: number): void {
		const mirror = this.load();
		const cursor = mirror.cursors.get(consumer);
		if (cursor === undefined || cursor.deliveredSeq >= throughSeq) return;
		Object.assign(cursor, { deliveredSeq: throughSeq, attempts: 0, nextAt: 0 });
		mirror.unsaved.add(consumer);
	}

	/**
	 * Writes the cursors moved since the last save, and drops the events every consumer has, in one
	 * synchronous step (so both land in the same commit). Called by each change's append and at the end
	 * of every delivery run.
	 */
	save(): void {
		const mirror = this.mirror;
		if (mirror === null || mirror.unsaved.size === 0) return;
		// One statement for them all: a run moves up to five.
		const rows = [...mirror.unsaved].flatMap((consumer) => {
			const cursor = mirror.cursors.get(consumer);
			return cursor === undefined ? [] : [[consumer, cursor.deliveredSeq, cursor.attempts, cursor.nextAt]];
		});
		mirror.unsaved.clear();
		if (rows.length > 0)
			this.sql.exec(
				`INSERT INTO event_cursors (consumer, delivered_seq, attempts, next_at) VALUES ${rows.map(() => "(?, ?, ?, ?)").join(", ")}
				 ON CONFLICT (consumer) DO UPDATE SET delivered_seq = excluded.delivered_seq, attempts = excluded.attempts, next_at = excluded.next_at`,
				...rows.flat(),
			);
		this.drop(mirror, this.everyoneHas(mirror));
	}

	/** Backs the consumer off; the event it has failed on too often moves to the dead letters. */
	failed(consumer: string, batch: readonly StoredEvent[], error: string, now: number): void {
		const head = batch[0];
		const mirror = this.load();
		const cursor = mirror.cursors.get(consumer);
		if (head === undefined || cursor === undefined) return;
		const attempts = head.attempts + 1;
		if (attempts < MAX_ATTEMPTS) {
			Object.assign(cursor, { attempts, nextAt: now + retryDelay(attempts) });
			// A backoff is written at once: it is what makes the next alarm wait.
			mirror.unsaved.add(consumer);
			this.save();
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
		this.save();
	}

	/** When the earliest consumer with events still owed is due, or null when every consumer has everything. */
	nextDue(): number | null {
		const mirror = this.load();
		let next: number | null = null;
		for (const cursor of mirror.cursors.values()) {
			if (cursor.deliveredSeq >= mirror.lastSeq) continue;
			if (next === null || cursor.nextAt < next) next = cursor.nextAt;
		}
		return next;
	}

	/** Events still owed, counted once per consumer that is owed them (by the cursors held, saved or not). */
	pendingCount(): number {
		let owed = 0;
		for (const cursor of this.load().cursors.values())
			owed += this.sql
				.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > ?", cursor.deliveredSeq)
				.one().n;
		return owed;
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
		this.mirror = null;
	}

	private load(): Mirror {
		if (this.mirror !== null) return this.mirror;
		const cursors = this.sql
			.exec<{ consumer: string; delivered_seq: number; attempts: number; next_at: number }>(
				"SELECT consumer, delivered_seq, attempts, next_at FROM event_cursors",
			)
			.toArray();
		// An empty log owes nothing, whatever the cursors say; the next append's seq is above every cursor.
		const { last } = this.sql.exec<{ last: number | null }>("SELECT max(seq) AS last FROM events").one();
		this.mirror = {
			cursors: new Map(
				cursors.map((row) => [
					row.consumer,
					{ deliveredSeq: row.delivered_seq, attempts: row.attempts, nextAt: row.next_at },
				]),
			),
			lastSeq: last ?? 0,
			recent: new Map(),
			unsaved: new Set(),
			droppedThrough: -1,
		};
		return this.mirror;
	}

	/** The consumer's next `count` events from storage: the mirror no longer holds them all. */
	private read(cursor: Cursor, count: number): StoredEvent[] {
		return this.sql
			.exec<{ seq: number; day_version: number; body: string }>(
				"SELECT seq, day_version, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
				cursor.deliveredSeq,
				count,
			)
			.toArray()
			.map((row) => ({
				seq: row.seq,
				dayVersion: row.day_version,
				event: JSON.parse(row.body) as DayEvent,
				attempts: cursor.attempts,
			}));
	}

	/** The seq every consumer has delivered through. */
	private everyoneHas(mirror: Mirror): number {
		let least = mirror.lastSeq;
		for (const cursor of mirror.cursors.values()) least = Math.min(least, cursor.deliveredSeq);
		return least;
	}

	private drop(mirror: Mirror, throughSeq: number): void {
		// While a consumer backs off, what everyone has stays put: nothing new to drop.
		if (throughSeq <= mirror.droppedThrough) return;
		this.sql.exec("DELETE FROM events WHERE seq <= ?", throughSeq);
		mirror.droppedThrough = throughSeq;
		for (const seq of mirror.recent.keys()) if (seq <= throughSeq) mirror.recent.delete(seq);
	}

	/**
	 * Gives each consumer without a cursor one, just before `seq`, and drops the cursors of consumers no
	 * longer in the code (they would keep every event forever).
	 */
	private startCursors(mirror: Mirror, consumers: readonly string[], beforeSeq: number): void {
		for (const gone of [...mirror.cursors.keys()].filter((c) => !consumers.includes(c))) {
			this.sql.exec("DELETE FROM event_cursors WHERE consumer = ?", gone);
			mirror.cursors.delete(gone);
		}
		for (const consumer of consumers) {
			if (mirror.cursors.has(consumer)) continue;
			this.sql.exec("INSERT INTO event_cursors (consumer, delivered_seq) VALUES (?, ?)", consumer, beforeSeq);
			mirror.cursors.set(consumer, { deliveredSeq: beforeSeq, attempts: 0, nextAt: 0 });
		}
	}
}
