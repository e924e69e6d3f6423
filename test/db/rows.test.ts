// The config reads' prepared statements decode exactly what drizzle's own select gives, so the schema stays
// the one place that names columns and decodes them (booleans, nulls).
import { env } from "cloudflare:test";
import { and, between, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { loadDoctorConfig } from "../../src/db/doctor-config";
import { doctors, scheduleRanges, unavailability } from "../../src/db/schema";
import { ADMIN, allWeek, api, createDoctor, inDays } from "../helpers";

describe("loadDoctorConfig", () => {
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
		const row = expected.doctor;
		if (row === undefined) throw new Error("no doctor row");
		const weekly = Array.from({ length: 7 }, (_, day) =>
			expected.ranges.filter((r) => r.weekday === day).map((r) => ({ start: r.start, end: r.end })),
		);
		const blocks = Object.fromEntries(
			[first, second].map((date) => [
				date,
				expected.blocks
					.filter((b) => b.date === date)
					.map((b) => ({ id: b.id, start: b.start, end: b.end, reason: b.reason })),
			]),
		);
		expect(await loadDoctorConfig(env.DB, doctor.id, first, second)).toEqual({
			doctorId: row.id,
			version: row.configVersion,
			timezone: row.timezone,
			isAvailable: row.isAvailable,
			isApproved: row.isApproved,
			slotMinutes: row.slotMinutes,
			capacity: row.capacity,
			horizonDays: row.horizonDays,
			maxPerPatient: row.maxPerPatientPerDay,
			holdSeconds: row.holdSeconds,
			offerSeconds: row.offerSeconds,
			requiresApproval: row.requiresApproval,
			bufferMinutes: row.bufferMinutes,
			minNoticeMinutes: row.minNoticeMinutes,
			cancelCutoffMinutes: row.cancelCutoffMinutes,
			maxPerDay: row.maxPerDay,
			reservedPlaces: row.reservedPlaces,
			appointmentTypes: JSON.parse(row.appointmentTypes),
			weekly,
			blocks,
		});
	});

	it("answers null for an unknown doctor", async () => {
		expect(await loadDoctorConfig(env.DB, "no-such-doctor", inDays(1), inDays(1))).toBeNull();
	});
});
