// One alarm per object serves every timer (event retries, expiries, clean-up): each timer is a row, and
// the object's single alarm is set to the earliest of them. Alarms fire at least once, so handlers are
// idempotent, and a timer row goes only once its handler has run.

export const TIMERS_TABLE = `CREATE TABLE IF NOT EXISTS timers (
	name TEXT PRIMARY KEY,
	due_at INTEGER NOT NULL
)`;

export interface DueTimer {
	name: string;
	dueAt: number;
}

export class Scheduler {
	/** The alarm this instance last set; null when it knows of none (a new instance re-arms once). */
	private armedAt: number | null = null;
	/**
	 * The timer rows, read once: every booking sets timers that are usually set already, so most calls
	 * need no SQL. Null until read, and after a rolled-back transaction (reload).
	 */
	private rows: Map<string, number> | null = null;

	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly ready: () => boolean,
	) {}

	/** Sets `name` to fire at `dueAt`, or earlier if it already was. */
	atOrBefore(name: string, dueAt: number): void {
		const current = this.timers().get(name);
		if (current !== undefined && current <= dueAt) return;
		this.write(name, dueAt);
	}

	/** Sets `name` to fire exactly at `dueAt`. */
	at(name: string, dueAt: number): void {
		if (this.timers().get(name) === dueAt) return;
		this.write(name, dueAt);
	}

	/** Forgets `name`, due or not. */
	cancel(name: string): void {
		const timers = this.timers();
		if (!timers.has(name)) return;
		this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name);
		timers.delete(name);
	}

	due(now: number): DueTimer[] {
		return [...this.timers()].filter(([, dueAt]) => dueAt <= now).map(([name, dueAt]) => ({ name, dueAt }));
	}

	/** Removes a timer that ran, unless it was set again meanwhile. */
	done(timer: DueTimer): void {
		const timers = this.timers();
		if (timers.get(timer.name) !== timer.dueAt) return;
		this.storage.sql.exec("DELETE FROM timers WHERE name = ?", timer.name);
		timers.delete(timer.name);
	}

	/** Points the alarm at the earliest timer; a no-op when it already is. */
	arm(): Promise<void> {
		if (!this.ready()) return Promise.resolve();
		let next: number | null = null;
		for (const dueAt of this.timers().values()) if (next === null || dueAt < next) next = dueAt;
		if (next === this.armedAt) return Promise.resolve();
		this.armedAt = next;
		return next === null ? this.storage.deleteAlarm() : this.storage.setAlarm(next);
	}

	/** The alarm fired: whatever was armed is gone, and the timers are read afresh (alarms are rare). */
	fired(): void {
		this.armedAt = null;
		this.rows = null;
	}

	/** Forgets what it read (the transaction that wrote it rolled back, or the storage was wiped). */
	reload(): void {
		this.rows = null;
	}

	private timers(): Map<string, number> {
		if (this.rows !== null) return this.rows;
		// Storage with no tables yet has no timers; read the table once it exists.
		if (!this.ready()) return new Map();
		const rows = this.storage.sql
			.exec<{ name: string; due_at: number }>("SELECT name, due_at FROM timers")
			.toArray();
		this.rows = new Map(rows.map((row) => [row.name, row.due_at]));
		return this.rows;
	}

	private write(name: string, dueAt: number): void {
		this.storage.sql.exec(
			"INSERT INTO timers (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at",
			name,
			dueAt,
		);
		this.timers().set(name, dueAt);
	}
}
