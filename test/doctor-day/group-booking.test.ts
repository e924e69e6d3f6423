// Family bookings through the DoctorDay object: all or none in one transaction, exact under concurrency.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { GroupBookResult } from "../../src/doctor-day/results";
import { doctorDay } from "../../src/doctor-day/stub";
import { at, createDoctor, inDays, unique } from "../helpers";

describe("group bookings in one doctor-day", () => {
	it("200 concurrent families of 3 on capacity 10: exactly 3 families, 9 places, each all or none", async () => {
		const doctor = await createDoctor({ capacity: 10 });
		const date = inDays(4);
		const where = { doctorId: doctor.id, date };
		const day = doctorDay(env, doctor.id, date);
		const start = Date.parse(at(date, "09:00"));
		const families = Array.from({ length: 200 }, () => {
			const owner = unique("p");
			return [owner, `dep-${unique("a")}`, `dep-${unique("b")}`];
		});
		const results: GroupBookResult[] = await Promise.all(
			families.map((patientIds) =>
				day.bookGroup(where, {
					patientIds,
					bookedBy: patientIds[0] as string,
					start,
					consultationMode: "in_person",
					reason: null,
					idempotencyKey: crypto.randomUUID(),
				}),
			),
		);
		const booked = results.filter((r) => r.ok);
		expect(booked).toHaveLength(3);
		for (const r of booked) expect(r.ok && r.appointments.length).toBe(3);
		expect(results.filter((r) => !r.ok).every((r) => r.code === "SLOT_FULL")).toBe(true);
		const slot = (await day.availability(where)).slots.find((s) => s.time === "09:00");
		expect(slot?.booked).toBe(9);
		const all = await day.dayAppointments();
		expect(all).toHaveLength(9);
		const byFamily = new Map<number, number>();
		for (const a of all) {
			const f = families.findIndex((ids) => ids.includes(a.patient_id));
			byFamily.set(f, (byFamily.get(f) ?? 0) + 1);
		}
		expect([...byFamily.values()]).toEqual([3, 3, 3]);
	});

	it("a retry with the key answers the same appointments and books nothing more", async () => {
		const doctor = await createDoctor({ capacity: 10 });
		const date = inDays(4);
		const where = { doctorId: doctor.id, date };
		const day = doctorDay(env, doctor.id, date);
		const owner = unique("p");
		const request = {
			patientIds: [owner, `dep-${unique("a")}`],
			bookedBy: owner,
			start: Date.parse(at(date, "10:00")),
			consultationMode: "in_person" as const,
			reason: null,
			idempotencyKey: "family-key",
		};
		const first = await day.bookGroup(where, request);
		const again = await day.bookGroup(where, request);
		expect(first.ok && again.ok).toBe(true);
		if (!first.ok || !again.ok) return;
		expect(again.replayed).toBe(true);
		expect(again.appointments.map((a) => a.id)).toEqual(first.appointments.map((a) => a.id));
		expect((await day.dayAppointments()).length).toBe(2);
	});
});
