// The Room object's SQLite storage: the appointment it serves, its chat in order, used tickets and timers.
import type { Participant, RoomMode, RoomWindow } from "../core/room";
import { Scheduler, TIMERS_TABLE } from "../lib/scheduler";
import { migrateStorage, type StorageSchema } from "../lib/storage-migrations";
import { forgetTicketsUntil, USED_TICKETS_TABLE, useTicket } from "../lib/used-tickets";
import type { ChatMessage } from "./room-messages";

const ROOM_MIGRATIONS: readonly string[] = [
	`CREATE TABLE room (id INTEGER PRIMARY KEY CHECK (id = 1), appointment_id TEXT NOT NULL, mode TEXT NOT NULL,
		opens_at INTEGER NOT NULL, closes_at INTEGER NOT NULL);
	CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sender TEXT NOT NULL,
		text TEXT NOT NULL, at TEXT NOT NULL);
	${USED_TICKETS_TABLE};
	${TIMERS_TABLE};`,
	// The appointment gave up its place (cancelled, declined, rescheduled): the room is closed for good.
	"CREATE TABLE ended (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL, at INTEGER NOT NULL);",
];

/** A new room's schema is its migrations at once (test/doctor-day/day-schema.test.ts). */
export const ROOM_SCHEMA: StorageSchema = { migrations: ROOM_MIGRATIONS, fresh: ROOM_MIGRATIONS.join("\n") };

export interface RoomFacts extends RoomWindow {
	appointmentId: string;
	mode: RoomMode;
}

export class RoomStore {
	readonly timers: Scheduler;

	constructor(private readonly storage: DurableObjectStorage) {
		// Room objects are reached only through a checked ticket for a real appointment, so the schema is eager.
		migrateStorage(storage, ROOM_SCHEMA);
		this.timers = new Scheduler(storage, () => true);
	}

	facts(): RoomFacts | null {
		const row = this.storage.sql
			.exec<{ appointment_id: string; mode: string; opens_at: number; closes_at: number }>(
				"SELECT appointment_id, mode, opens_at, closes_at FROM room",
			)
			.toArray()[0];
		if (row === undefined) return null;
		return {
			appointmentId: row.appointment_id,
			mode: row.mode as RoomMode,
			opensAt: row.opens_at,
			closesAt: row.closes_at,
		};
	}

	/** The appointment's facts, as the Worker last read them from its day object. */
	keepFacts(facts: RoomFacts): void {
		this.storage.sql.exec(
			`INSERT INTO room (id, appointment_id, mode, opens_at, closes_at) VALUES (1, ?, ?, ?, ?)
			 ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, opens_at = excluded.opens_at, closes_at = excluded.closes_at`,
			facts.appointmentId,
			facts.mode,
			facts.opensAt,
			facts.closesAt,
		);
	}

	/** The status that ended the appointment's room for good, or null while it has not ended. */
	endedBy(): string | null {
		return this.storage.sql.exec<{ status: string }>("SELECT status FROM ended").toArray()[0]?.status ?? null;
	}

	/** Idempotent: the first ending is kept. */
	end(status: string, now: number): void {
		this.storage.sql.exec(
			"INSERT INTO ended (id, status, at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
			status,
			now,
		);
	}

	useTicket(id: string, expiresAt: number): boolean {
		return useTicket(this.storage.sql, id, expiresAt);
	}

	forgetTicketsUntil(now: number): number | null {
		return forgetTicketsUntil(this.storage.sql, now);
	}

	messageCount(): number {
		return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n;
	}

	addMessage(message: ChatMessage): void {
		this.storage.sql.exec(
			"INSERT INTO messages (id, sender, text, at) VALUES (?, ?, ?, ?)",
			message.id,
			message.from,
			message.text,
			message.at,
		);
	}

	/** Every message, in the order the room took them. */
	history(): ChatMessage[] {
		return this.storage.sql
			.exec<{ id: string; sender: string; text: string; at: string }>(
				"SELECT id, sender, text, at FROM messages ORDER BY seq",
			)
			.toArray()
			.map((row) => ({
				type: "message",
				id: row.id,
				from: row.sender as Participant,
				text: row.text,
				at: row.at,
			}));
	}
}
