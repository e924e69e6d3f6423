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

describe("a dependent's appointment cancelled by its owner (removal, account deletion)", () => {
	it("frees the place once; only when the owner names that dependent; 10 at once change it once", async () => {
		const doctor = await createDoctor({ capacity: 3, cancel_cutoff_minutes: 10_000 });
		const date = inDays(2);
		const where = { doctorId: doctor.id, date };
		const day = doctorDay(env, doctor.id, date);
		const owner = unique("p");
		const dependent = `dep-${unique("a")}`;
		const booked = await day.bookGroup(where, {
			patientIds: [owner, dependent],
			bookedBy: owner,
			start: Date.parse(at(date, "11:00")),
			consultationMode: "in_person",
			reason: null,
			idempotencyKey: null,
		});
		if (!booked.ok) throw new Error(JSON.stringify(booked));
		const theirs = booked.appointments.find((a) => a.patient_id === dependent);
		if (theirs === undefined) throw new Error("no dependent's appointment");
		const actor = { userId: owner, role: "patient" as const, doctorId: null };
		expect(await day.cancel(theirs.id, actor)).toEqual({ ok: false, code: "FORBIDDEN" });
		expect(await day.cancel(theirs.id, actor, true, `dep-${unique("x")}`)).toEqual({
			ok: false,
			code: "FORBIDDEN",
		});
		// Inside the cutoff, as removal and deletion cancel: the owner's places go all the same.
		const results = await Promise.all(
			Array.from({ length: 10 }, () => day.cancel(theirs.id, actor, true, dependent)),
		);
		expect(results.filter((r) => r.ok && r.changed)).toHaveLength(1);
		expect(results.every((r) => r.ok && r.appointment.status === "cancelled")).toBe(true);
		const slot = (await day.availability(where)).slots.find((s) => s.time === "11:00");
		expect(slot?.booked).toBe(1);
	});
});
