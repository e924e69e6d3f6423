// The doctor's D1 rows as the routes read and write them (schedules, unavailability, flags).
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { doctors, type scheduleRanges, type unavailability } from "../db/schema";
import { ApiError } from "./errors";

export type DoctorRow = typeof doctors.$inferSelect;
export type RangeRow = typeof scheduleRanges.$inferSelect;
export type BlockRow = typeof unavailability.$inferSelect;

export async function findDoctor(db: Db, doctorId: string): Promise<DoctorRow> {
	const [row] = await db.select().from(doctors).where(eq(doctors.id, doctorId));
	if (row === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
	return row;
}
