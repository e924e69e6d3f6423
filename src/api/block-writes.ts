// Unavailability writes: each is one D1 batch with the doctor's config version bump, and a block that would
// duplicate another or overfill its date is not written at all, even when two requests race.
import { and, count, eq, exists, ne, notExists, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { doctors, unavailability } from "../db/schema";
import { nowIso } from "../lib/ids";
import type { BlockRow, DoctorRow } from "./doctor-records";
import { ApiError } from "./errors";

/**
 * Blocks one date may hold: every half hour of the day blocked on its own. More is a client looping (each
 * block rewrites the config every doctor-day object holds), not a doctor's diary; a longer block does it.
 */
export const MAX_BLOCKS_PER_DATE = 48;

type Position = Pick<BlockRow, "doctorId" | "date" | "start" | "end">;

/** The doctor's other blocks on `date` (all of them when `self` is not given). */
const othersOn = (doctorId: string, date: string, self?: string) =>
	and(
		eq(unavailability.doctorId, doctorId),
		eq(unavailability.date, date),
		self === undefined ? undefined : ne(unavailability.id, self),
	);

const sameTimes = (at: Position) => and(eq(unavailability.start, at.start), eq(unavailability.end, at.end));

/** SQL that holds when no other block has this date, start and end. */
function noTwin(db: Db, at: Position, self?: string): SQL {
	const twin = and(othersOn(at.doctorId, at.date, self), sameTimes(at));
	return notExists(db.select({ one: sql`1` }).from(unavailability).where(twin));
}

/** SQL that holds when the date has room for one more block. */
function roomOn(db: Db, doctorId: string, date: string, self?: string): SQL {
	const taken = db
		.select({ n: count() })
		.from(unavailability)
		.where(othersOn(doctorId, date, self));
	return sql`(${taken}) < ${MAX_BLOCKS_PER_DATE}`;
}

/** Bumps the doctor's config version when `written` holds after the write; answers the doctor row. */
const bumpIf = (db: Db, doctorId: string, written: SQL | undefined) =>
	db
		.update(doctors)
		.set({ configVersion: sql`${doctors.configVersion} + 1`, updatedAt: nowIso() })
		.where(and(eq(doctors.id, doctorId), written))
		.returning();

/** SQL that holds when the block is stored (at `at`, when given): after the write, that it was written. */
function stored(db: Db, id: string, at?: Position): SQL {
	const where = and(eq(unavailability.id, id), at && eq(unavailability.date, at.date), at && sameTimes(at));
	return exists(db.select({ one: sql`1` }).from(unavailability).where(where));
}

/**
 * What the date holds besides the block, read in the write's own batch (so it explains exactly the decision
 * the write took): how many other blocks, and the id of one with the same start and end.
 */
const besides = (db: Db, at: Position, self: string) =>
	db
		.select({
			others: count(),
			twin: sql<string | null>`max(CASE WHEN ${sameTimes(at)} THEN ${unavailability.id} END)`,
		})
		.from(unavailability)
		.where(othersOn(at.doctorId, at.date, self));

/** Inserts the block and bumps the doctor's version; a twin or a full date refuses both. */
export async function insertBlock(db: Db, block: BlockRow): Promise<DoctorRow> {
	const row = [block.id, block.doctorId, block.date, block.start, block.end, block.reason, block.createdAt];
	const values = sql.join(
		row.map((value) => sql`${value}`),
		sql`, `,
	);
	const allowed = and(noTwin(db, block), roomOn(db, block.doctorId, block.date));
	const [, updated, [context]] = await db.batch([
		db.insert(unavailability).select(sql`SELECT ${values} WHERE ${allowed}`),
		bumpIf(db, block.doctorId, stored(db, block.id)),
		besides(db, block, block.id),
	]);
	const doctor = updated[0];
	if (doctor !== undefined) return doctor;
	throw refusal(block, context, true) ?? new ApiError("DOCTOR_NOT_FOUND");
}

/**
 * Changes a block and bumps the doctor's version. Only a move is checked: a block that stays where it is
 * may have its reason edited even on a date that holds more than the cap.
 */
export async function updateBlock(db: Db, old: BlockRow, block: BlockRow): Promise<DoctorRow> {
	const { id, ...fields } = block;
	const moved = old.date !== block.date || old.start !== block.start || old.end !== block.end;
	const newDate = old.date !== block.date;
	const allowed = moved
		? and(noTwin(db, block, id), newDate ? roomOn(db, block.doctorId, block.date, id) : undefined)
		: undefined;
	const [, updated, [context]] = await db.batch([
		db
			.update(unavailability)
			.set(fields)
			.where(and(eq(unavailability.id, id), allowed)),
		bumpIf(db, block.doctorId, stored(db, id, moved ? block : undefined)),
		besides(db, block, id),
	]);
	const doctor = updated[0];
	if (doctor !== undefined) return doctor;
	// Refused for where it would go, or else the block (or its doctor) is gone.
	throw (moved && refusal(block, context, newDate)) || new ApiError("NOT_FOUND", "No such unavailability.");
}

/** The 409 for a block refused where it would go, from what its batch read; null when neither rule did it. */
function refusal(
	at: Position,
	context: { others: number; twin: string | null } | undefined,
	countsAgainstCap: boolean,
): ApiError | null {
	if (context?.twin) {
		return new ApiError(
			"UNAVAILABILITY_EXISTS",
			`The doctor is already unavailable from ${at.start} to ${at.end} on ${at.date}.`,
			{ unavailability_id: context.twin },
		);
	}
	if (countsAgainstCap && (context?.others ?? 0) >= MAX_BLOCKS_PER_DATE) {
		return new ApiError(
			"UNAVAILABILITY_LIMIT",
			`${at.date} already has ${MAX_BLOCKS_PER_DATE} unavailability blocks: change or remove one, or block a longer time.`,
			{ limit: MAX_BLOCKS_PER_DATE },
		);
	}
	return null;
}
