// The doctor-day's SQLite tables: its config, version, appointments and outbox. Every method is synchronous.
import type { Appointment } from "../core/appointment";
import type { BookedCounts } from "../core/booking";
import type { DayConfig } from "../core/day-config";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS day (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL,
	config TEXT
);
INSERT OR IGNORE INTO day (id, version, config) VALUES (1, 0, NULL);
CREATE TABLE IF NOT EXISTS appointments (
	id TEXT PRIMARY KEY,
	start_ms INTEGER NOT NULL,
	end_ms INTEGER NOT NULL,
	patient_id TEXT NOT NULL,
	booked_by TEXT NOT NULL,
	status TEXT NOT NULL,
	idempotency_key TEXT,
	body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS appointments_confirmed ON appointments (start_ms) WHERE status = 'confirmed';
CREATE UNIQUE INDEX IF NOT EXISTS appointments_idempotency
	ON appointments (booked_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	topic TEXT NOT NULL,
	payload TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0
);
`;

export interface StoredAppointment {
	appointment: Appointment;
	start: number;
	end: number;
	bookedBy: string;
	idempotencyKey: string | null;
}

export interface OutboxMessage {
	seq: number;
	topic: string;
	payload: string;
	attempts: number;
}

type AppointmentRow = {
	start_ms: number;
	end_ms: number;
	booked_by: string;
	idempotency_key: string | null;
	body: string;
};

export class DayStore {
	// Mirrors of the day row, read on every call; reload() after a transaction that rolled back.
	private config: DayConfig | null = null;
	private currentVersion = 0;

	constructor(private readonly storage: DurableObjectStorage) {
		storage.sql.exec(SCHEMA);
		this.reload();
	}

	reload(): void {
		const row = this.storage.sql
			.exec<{ version: number; config: string | null }>("SELECT version, config FROM day WHERE id = 1")
			.one();
		this.config = row.config === null ? null : (JSON.parse(row.config) as DayConfig);
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
		const next = this.currentVersion + 1;
		this.storage.sql.exec("UPDATE day SET version = ? WHERE id = 1", next);
		this.currentVersion = next;
		return next;
	}

	/** Keeps `config` if it is newer than the one held; returns whether it was. */
	adoptConfig(config: DayConfig): boolean {
		if (this.config !== null && this.config.version >= config.version) return false;
		this.storage.sql.exec("UPDATE day SET config = ? WHERE id = 1", JSON.stringify(config));
		this.config = config;
		return true;
	}

	bookedCounts(): BookedCounts {
		const counts = new Map<number, number>();
		const rows = this.storage.sql.exec<{ start_ms: number; n: number }>(
			"SELECT start_ms, count(*) AS n FROM appointments WHERE status = 'confirmed' GROUP BY start_ms",
		);
		for (const row of rows) counts.set(row.start_ms, row.n);
		return counts;
	}

	patientHolds(patientId: string, start: number): boolean {
		return (
			this.storage.sql
				.exec(
					"SELECT 1 FROM appointments WHERE patient_id = ? AND start_ms = ? AND status = 'confirmed' LIMIT 1",
					patientId,
					start,
				)
				.toArray().length > 0
		);
	}

	find(id: string): StoredAppointment | null {
		return this.first(this.storage.sql.exec<AppointmentRow>("SELECT * FROM appointments WHERE id = ?", id));
	}

	findByIdempotencyKey(bookedBy: string, key: string): StoredAppointment | null {
		return this.first(
			this.storage.sql.exec<AppointmentRow>(
				"SELECT * FROM appointments WHERE booked_by = ? AND idempotency_key = ?",
				bookedBy,
				key,
			),
		);
	}

	confirmed(): StoredAppointment[] {
		return this.storage.sql
			.exec<AppointmentRow>("SELECT * FROM appointments WHERE status = 'confirmed' ORDER BY start_ms, id")
			.toArray()
			.map(fromRow);
	}

	insert(stored: StoredAppointment): void {
		const { appointment } = stored;
		this.storage.sql.exec(
			"INSERT INTO appointments (id, start_ms, end_ms, patient_id, booked_by, status, idempotency_key, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			appointment.id,
			stored.start,
			stored.end,
			appointment.patient_id,
			stored.bookedBy,
			appointment.status,
			stored.idempotencyKey,
			JSON.stringify(appointment),
		);
	}

	updateStatus(appointment: Appointment): void {
		this.storage.sql.exec(
			"UPDATE appointments SET status = ?, body = ? WHERE id = ?",
			appointment.status,
			JSON.stringify(appointment),
			appointment.id,
		);
	}

	enqueue(topic: string, payload: unknown): void {
		this.storage.sql.exec(
			"INSERT INTO outbox (topic, payload) VALUES (?, ?)",
			topic,
			JSON.stringify(payload),
		);
	}

	pendingMessages(limit: number): OutboxMessage[] {
		return this.storage.sql
			.exec<{ seq: number; topic: string; payload: string; attempts: number }>(
				"SELECT seq, topic, payload, attempts FROM outbox ORDER BY seq LIMIT ?",
				limit,
			)
			.toArray();
	}

	markDelivered(seqs: readonly number[]): void {
		this.storage.sql.exec(
			"DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))",
			JSON.stringify(seqs),
		);
	}

	markAttempted(seqs: readonly number[]): void {
		this.storage.sql.exec(
			"UPDATE outbox SET attempts = attempts + 1 WHERE seq IN (SELECT value FROM json_each(?))",
			JSON.stringify(seqs),
		);
	}

	private first(cursor: SqlStorageCursor<AppointmentRow>): StoredAppointment | null {
		const rows = cursor.toArray();
		return rows[0] === undefined ? null : fromRow(rows[0]);
	}
}

function fromRow(row: AppointmentRow): StoredAppointment {
	return {
		appointment: JSON.parse(row.body) as Appointment,
		start: row.start_ms,
		end: row.end_ms,
		bookedBy: row.booked_by,
		idempotencyKey: row.idempotency_key,
	};
}
