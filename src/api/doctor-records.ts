// Reads a doctor's schedule inputs from D1 and turns them into the config each doctor-day object holds.
import { eq } from "drizzle-orm";
import type { DayConfig } from "../core/day-config";
import type { TimeRange } from "../core/slots";
import { addDays, WEEKDAYS, weekdayOf } from "../core/time";
import type { Db } from "../db/client";
import { rowReader } from "../db/rows";
import { doctors, scheduleRanges, unavailability } from "../db/schema";
import { ApiError } from "./errors";

export type DoctorRow = typeof doctors.$inferSelect;
export type RangeRow = typeof scheduleRanges.$inferSelect;
export type BlockRow = typeof unavailability.$inferSelect;

export interface DoctorRecord {
	doctor: DoctorRow;
	ranges: RangeRow[];
	blocks: BlockRow[];
}

export async function findDoctor(db: Db, doctorId: string): Promise<DoctorRow> {
	const [row] = await db.select().from(doctors).where(eq(doctors.id, doctorId));
	if (row === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
	return row;
}

const doctorRows = rowReader(doctors);
const rangeRows = rowReader(scheduleRanges);
const blockRows = rowReader(unavailability);
const DOCTOR_BY_ID = `${doctorRows.select} WHERE id = ?`;
const RANGES_OF_DOCTOR = `${rangeRows.select} WHERE doctor_id = ? ORDER BY start`;
const BLOCKS_BETWEEN = `${blockRows.select} WHERE doctor_id = ? AND date BETWEEN ? AND ? ORDER BY date, start`;

/**
 * The doctor with its weekly ranges and the unavailability between two dates, in one D1 round trip.
 * Read on every booking and availability read, so with prepared statements (src/db/rows.ts).
 */
export async function loadDoctorRecord(
	d1: D1Database,
	doctorId: string,
	from: string,
	to: string,
): Promise<DoctorRecord> {
	const [found, ranges, blocks] = await d1.batch<Record<string, unknown>>([
		d1.prepare(DOCTOR_BY_ID).bind(doctorId),
		d1.prepare(RANGES_OF_DOCTOR).bind(doctorId),
		d1.prepare(BLOCKS_BETWEEN).bind(doctorId, from, to),
	]);
	const doctor = found?.results[0];
	if (doctor === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
	return {
		doctor: doctorRows.decode(doctor),
		ranges: (ranges?.results ?? []).map(rangeRows.decode),
		blocks: (blocks?.results ?? []).map(blockRows.decode),
	};
}

/** The record around one UTC instant: its local date is the UTC date or a neighbour of it. */
export function loadRecordAround(d1: D1Database, doctorId: string, instant: number): Promise<DoctorRecord> {
	const utcDate = new Date(instant).toISOString().slice(0, 10);
	return loadDoctorRecord(d1, doctorId, addDays(utcDate, -1), addDays(utcDate, 1));
}

export function dayConfigFor(record: DoctorRecord, date: string): DayConfig {
	const { doctor } = record;
	const weekday = WEEKDAYS.indexOf(weekdayOf(date));
	const ranges: TimeRange[] = record.ranges
		.filter((r) => r.weekday === weekday)
		.map((r) => ({ start: r.start, end: r.end }));
	return {
		doctorId: doctor.id,
		date,
		version: doctor.configVersion,
		timezone: doctor.timezone,
		isAvailable: doctor.isAvailable,
		isApproved: doctor.isApproved,
		slotMinutes: doctor.slotMinutes,
		capacity: doctor.capacity,
		horizonDays: doctor.horizonDays,
		ranges,
		blocks: record.blocks
			.filter((b) => b.date === date)
			.map((b) => ({ id: b.id, start: b.start, end: b.end, reason: b.reason })),
	};
}
