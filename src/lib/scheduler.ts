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

	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly ready: () => boolean,
	) {}

	/** Sets `name` to fire at `dueAt`, or earlier if it already was. */
	atOrBefore(name: string, dueAt: number): void {
		this.storage.sql.exec(
			"INSERT INTO timers (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = min(due_at, excluded.due_at)",
			name,
			dueAt,
		);
	}

	/** Sets `name` to fire exactly at `dueAt`. */
	at(name: string, dueAt: number): void {
		this.storage.sql.exec(
			"INSERT INTO timers (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at",
			name,
			dueAt,
		);
	}

	/** Drops `name`, whenever it was due. */
	cancel(name: string): void {
		this.storage.sql.exec("DELETE FROM timers WHERE name = ?", name);
	}

	due(now: number): DueTimer[] {
		if (!this.ready()) return [];
		return this.storage.sql
			.exec<{ name: string; due_at: number }>("SELECT name, due_at FROM timers WHERE due_at <= ?", now)
			.toArray()
			.map((row) => ({ name: row.name, dueAt: row.due_at }));
	}

	/** Removes a timer that ran, unless it was set again meanwhile. */
	done(timer: DueTimer): void {
		this.storage.sql.exec("DELETE FROM timers WHERE name = ? AND due_at = ?", timer.name, timer.dueAt);
	}

	/** Points the alarm at the earliest timer; a no-op when it already is. */
	arm(): Promise<void> {
		if (!this.ready()) return Promise.resolve();
		const next = this.storage.sql
			.exec<{ next: number | null }>("SELECT min(due_at) AS next FROM timers")
			.one().next;
		if (next === this.armedAt) return Promise.resolve();
		this.armedAt = next;
		return next === null ? this.storage.deleteAlarm() : this.storage.setAlarm(next);
	}

	/** The alarm fired: whatever was armed is gone. */
	fired(): void {
		this.armedAt = null;
	}
}
