// The doctor-day's storage schema as an ordered list of migrations (src/lib/storage-migrations.ts), and
// what they add up to for a new day. Never edit an applied migration: add the next one, and change
// `fresh` to match (test/doctor-day/day-schema.test.ts compares the two).
import { EVENT_LOG_TABLES } from "../events/event-log";
import { TIMERS_TABLE } from "../lib/scheduler";
import type { StorageSchema } from "../lib/storage-migrations";

/** The consumers that existed when the outbox became the event log, to carry pending rows over. */
const LEGACY_CONSUMERS = ["projection", "doctor"];

const DAY_MIGRATIONS: readonly string[] = [
	// 1: the first wave's schema (objects created before migrations existed have exactly this).
	`CREATE TABLE IF NOT EXISTS day (
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
	);`,
	// 2: typed day events with per-consumer delivery, one timer table, and expiring idempotency keys.
	`CREATE TABLE IF NOT EXISTS events (
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
	);
	CREATE TABLE IF NOT EXISTS timers (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL);
	CREATE TABLE idempotency_keys (
		booked_by TEXT NOT NULL,
		key TEXT NOT NULL,
		appointment_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (booked_by, key)
	);
	CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
	INSERT INTO idempotency_keys (booked_by, key, appointment_id, created_at)
		SELECT booked_by, idempotency_key, id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
		FROM appointments WHERE idempotency_key IS NOT NULL;
	DROP INDEX appointments_idempotency;
	ALTER TABLE appointments DROP COLUMN idempotency_key;
	ALTER TABLE appointments ADD COLUMN record_version INTEGER NOT NULL DEFAULT 1;
	INSERT INTO events (seq, type, day_version, body, at)
		SELECT seq,
			CASE json_extract(payload, '$.appointment.status') WHEN 'cancelled' THEN 'appointment.cancelled' ELSE 'appointment.booked' END,
			json_extract(payload, '$.dayVersion'),
			json_object(
				'type', CASE json_extract(payload, '$.appointment.status') WHEN 'cancelled' THEN 'appointment.cancelled' ELSE 'appointment.booked' END,
				'appointment', json(json_extract(payload, '$.appointment')),
				'booked_by', json_extract(payload, '$.bookedBy'),
				'cancelled_by', 'patient'),
			0
		FROM outbox;
	INSERT INTO deliveries (consumer, seq, next_at)
		SELECT c.value, o.seq, 0 FROM outbox o, json_each('${JSON.stringify(LEGACY_CONSUMERS)}') c;
	DROP TABLE outbox;`,
	// 3: one cursor per consumer instead of a delivery row per event and consumer. What a consumer is still
	// owed is always the tail of the log (it is delivered in order), so its cursor sits just before it.
	`CREATE TABLE event_cursors (
		consumer TEXT PRIMARY KEY,
		delivered_seq INTEGER NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		next_at INTEGER NOT NULL DEFAULT 0
	);
	INSERT INTO event_cursors (consumer, delivered_seq, attempts, next_at)
		SELECT consumer, min(seq) - 1, max(attempts), min(next_at) FROM deliveries GROUP BY consumer;
	INSERT INTO event_cursors (consumer, delivered_seq)
		SELECT c.value, coalesce((SELECT max(seq) FROM events), 0) FROM json_each('${JSON.stringify(LEGACY_CONSUMERS)}') c
		WHERE c.value NOT IN (SELECT consumer FROM event_cursors);
	DROP TABLE deliveries;`,
	// 4: holds (kept after they end, so a late confirm is answered), and when each slot last changed, for
	// expected_version. Days that existed before count every slot as changed at their current version.
	`CREATE TABLE holds (
		id TEXT PRIMARY KEY,
		start_ms INTEGER NOT NULL,
		expires_ms INTEGER NOT NULL,
		patient_id TEXT NOT NULL,
		status TEXT NOT NULL,
		appointment_id TEXT,
		body TEXT NOT NULL
	);
	CREATE INDEX holds_live ON holds (expires_ms) WHERE status = 'live';
	CREATE TABLE slot_versions (
		start_ms INTEGER PRIMARY KEY,
		version INTEGER NOT NULL
	);
	ALTER TABLE day ADD COLUMN config_changed_version INTEGER NOT NULL DEFAULT 0;
	UPDATE day SET config_changed_version = version;`,
	// 5: an appointment or hold of a multi-slot type keeps a place in each of its slots: their starts, as a
	// JSON array (null for one slot, which is all that existed before).
	`ALTER TABLE appointments ADD COLUMN slot_starts TEXT;
	ALTER TABLE holds ADD COLUMN slot_starts TEXT;`,
	// 6: the waitlist (rowid is the order entries joined in), and which entry a hold is the offer of.
	`CREATE TABLE waitlist (
		id TEXT PRIMARY KEY,
		patient_id TEXT NOT NULL,
		status TEXT NOT NULL,
		body TEXT NOT NULL
	);
	CREATE INDEX waitlist_open ON waitlist (status) WHERE status IN ('waiting', 'offered');
	ALTER TABLE holds ADD COLUMN entry_id TEXT;`,
	// 7: reschedule sagas this day owns (src/core/reschedule.ts), one per old appointment, kept once done
	// so a retry with the same Idempotency-Key gets the same answer.
	`CREATE TABLE reschedules (
		appointment_id TEXT PRIMARY KEY,
		step TEXT NOT NULL,
		body TEXT NOT NULL,
		record_version INTEGER NOT NULL DEFAULT 1
	);`,
];

export const DAY_SCHEMA: StorageSchema = {
	migrations: DAY_MIGRATIONS,
	fresh: `CREATE TABLE day (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL,
		config TEXT,
		config_changed_version INTEGER NOT NULL DEFAULT 0
	);
	INSERT INTO day (id, version, config) VALUES (1, 0, NULL);
	CREATE TABLE appointments (
		id TEXT PRIMARY KEY,
		start_ms INTEGER NOT NULL,
		end_ms INTEGER NOT NULL,
		patient_id TEXT NOT NULL,
		booked_by TEXT NOT NULL,
		status TEXT NOT NULL,
		body TEXT NOT NULL,
		record_version INTEGER NOT NULL DEFAULT 1,
		slot_starts TEXT
	);
	CREATE INDEX appointments_confirmed ON appointments (start_ms) WHERE status = 'confirmed';
	CREATE TABLE idempotency_keys (
		booked_by TEXT NOT NULL,
		key TEXT NOT NULL,
		appointment_id TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (booked_by, key)
	);
	CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
	CREATE TABLE holds (
		id TEXT PRIMARY KEY,
		start_ms INTEGER NOT NULL,
		expires_ms INTEGER NOT NULL,
		patient_id TEXT NOT NULL,
		status TEXT NOT NULL,
		appointment_id TEXT,
		body TEXT NOT NULL,
		slot_starts TEXT,
		entry_id TEXT
	);
	CREATE INDEX holds_live ON holds (expires_ms) WHERE status = 'live';
	CREATE TABLE slot_versions (
		start_ms INTEGER PRIMARY KEY,
		version INTEGER NOT NULL
	);
	CREATE TABLE waitlist (
		id TEXT PRIMARY KEY,
		patient_id TEXT NOT NULL,
		status TEXT NOT NULL,
		body TEXT NOT NULL
	);
	CREATE INDEX waitlist_open ON waitlist (status) WHERE status IN ('waiting', 'offered');
	CREATE TABLE reschedules (
		appointment_id TEXT PRIMARY KEY,
		step TEXT NOT NULL,
		body TEXT NOT NULL,
		record_version INTEGER NOT NULL DEFAULT 1
	);
	${EVENT_LOG_TABLES}
	${TIMERS_TABLE};`,
};
