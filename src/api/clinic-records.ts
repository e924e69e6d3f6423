// Clinics' D1 rows as the routes read and write them, and what a doctor takes from its clinic.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { clinicClosures } from "../db/doctor-config";
import { clinics } from "../db/schema";
import { ApiError } from "./errors";

export type ClinicRow = typeof clinics.$inferSelect;

export function publicClinic(row: ClinicRow) {
	const closures = clinicClosures({ closed_weekdays: row.closedWeekdays, holidays: row.holidays });
	return {
		id: row.id,
		name: row.name,
		timezone: row.timezone,
		default_capacity: row.defaultCapacity,
		closed_weekdays: closures.weekdays,
		holidays: closures.holidays,
	};
}

export async function findClinic(db: Db, clinicId: string): Promise<ClinicRow | null> {
	const [row] = await db.select().from(clinics).where(eq(clinics.id, clinicId));
	return row ?? null;
}

/** The clinic a doctor is being put in: it must exist (a 400 names the field otherwise). */
export async function requireClinicForDoctor(db: Db, clinicId: string): Promise<ClinicRow> {
	const clinic = await findClinic(db, clinicId);
	if (clinic !== null) return clinic;
	throw new ApiError("VALIDATION_ERROR", "clinic_id: no such clinic.", {
		issues: [{ path: "clinic_id", message: "No such clinic." }],
	});
}

/** What a doctor's schedule falls back to when it leaves a field out: its clinic's, if it has one. */
export async function clinicDefaults(
	db: Db,
	clinicId: string | null,
): Promise<{ timezone: string; capacity: number } | null> {
	if (clinicId === null) return null;
	const clinic = await findClinic(db, clinicId);
	return clinic === null ? null : { timezone: clinic.timezone, capacity: clinic.defaultCapacity };
}
