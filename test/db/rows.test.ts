// The hot reads' prepared statements give exactly the rows drizzle's own select gives, so the schema stays
// the one place that names columns and decodes them (booleans, nulls).
import { env } from "cloudflare:test";
import { and, between, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { loadDoctorRecord } from "../../src/api/doctor-records";
import { database } from "../../src/db/client";
import { doctors, scheduleRanges, unavailability } from "../../src/db/schema";
import { ADMIN, allWeek, api, createDoctor, inDays } from "../helpers";

describe("loadDoctorRecord", () => {
	it("reads the doctor, its ranges and its unavailability as drizzle's select does", async () => {
		const doctor = await createDoctor(
			{
				timezone: "Europe/Berlin",
				weekly: allWeek([
					{ start: "08:00", end: "12:00" },
					{ start: "13:00", end: "17:00" },
				]),
			},
			{ is_available: false, specialty: null },
		);
		const [first, second] = [inDays(3), inDays(4)];
		for (const [date, reason] of [
			[first, "Conference"],
			[second, null],
		] as const) {
			const added = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
				headers: ADMIN,
				body: { date, start: "09:00", end: "10:00", ...(reason === null ? {} : { reason }) },
			});
			expect(added.status).toBe(201);
		}
		const db = database(env.DB);
		const expected = {
			doctor: (await db.select().from(doctors).where(eq(doctors.id, doctor.id)))[0],
			ranges: await db
				.select()
				.from(scheduleRanges)
				.where(eq(scheduleRanges.doctorId, doctor.id))
				.orderBy(scheduleRanges.start),
			blocks: await db
				.select()
				.from(unavailability)
				.where(and(eq(unavailability.doctorId, doctor.id), between(unavailability.date, first, second)))
				.orderBy(unavailability.date, unavailability.start),
		};
		expect(expected.doctor?.isAvailable).toBe(false);
		expect(expected.doctor?.specialty).toBeNull();
		expect(expected.ranges).toHaveLength(14);
		expect(expected.blocks.map((b) => b.reason)).toEqual(["Conference", null]);
		expect(await loadDoctorRecord(env.DB, doctor.id, first, second)).toEqual(expected);
	});

	it("answers DOCTOR_NOT_FOUND for an unknown doctor", async () => {
		await expect(loadDoctorRecord(env.DB, "no-such-doctor", inDays(1), inDays(1))).rejects.toMatchObject({
			code: "DOCTOR_NOT_FOUND",
		});
	});
});
