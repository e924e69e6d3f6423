// The lifecycle through the DoctorDay object: pending bookings hold their places under concurrency, the
// doctor's moves are kept with their history, and a decline frees its place at once.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import { doctorDay } from "../../src/doctor-day/stub";
import { inDays } from "../helpers";
import { bookRequest, dayConfig, pushed } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({
		date: inDays(5),
		capacity: 5,
		requiresApproval: true,
		ranges: [{ start: "09:00", end: "10:00" }],
		...overrides,
	});
const request = (day: DayConfig, time: string) => bookRequest(day, time);

const doctorOf = (day: DayConfig): Actor => ({
	userId: `u-${day.doctorId}`,
	role: "doctor",
	doctorId: day.doctorId,
});

describe("requires_approval under concurrency", () => {
	it("capacity 5, 200 at once: exactly 5 pending; a decline frees exactly one place", async () => {
		const day = config();
		const stub = await pushed(day);
		const results = await Promise.all(
			Array.from({ length: 200 }, () => stub.book(day, request(day, "09:00"))),
		);
		const booked = results.flatMap((r) => (r.ok ? [r.appointment] : []));
		expect(booked).toHaveLength(5);
		expect(booked.every((a) => a.status === "pending")).toBe(true);
		expect(results.filter((r) => !r.ok && r.code === "SLOT_FULL")).toHaveLength(195);
		expect((await stub.availability(day)).slots[0]).toMatchObject({
			booked: 5,
			remaining: 0,
			status: "full",
		});

		const first = booked[0];
		if (first === undefined) throw new Error("no booking");
		const declined = await stub.changeStatus(first.id, doctorOf(day), "declined");
		expect(declined).toMatchObject({ ok: true, changed: true, appointment: { status: "declined" } });
		expect((await stub.availability(day)).slots[0]).toMatchObject({
			booked: 4,
			remaining: 1,
			status: "available",
		});

		const again = await Promise.all(Array.from({ length: 20 }, () => stub.book(day, request(day, "09:00"))));
		expect(again.filter((r) => r.ok)).toHaveLength(1);
		expect((await stub.dayAppointments()).map((a) => a.status).sort()).toEqual([
			"declined",
			...Array(5).fill("pending"),
		]);
	});
});

describe("the doctor's moves", () => {
	it("pending → confirmed → checked_in → completed, each in the history, kept across eviction", async () => {
		const day = config({ capacity: 1 });
		const stub = await pushed(day);
		const booked = await stub.book(day, request(day, "09:30"));
		if (!booked.ok) throw new Error(booked.code);
		const versions = [(await stub.availability(day)).version];
		for (const status of ["confirmed", "checked_in", "completed"] as const) {
			expect(await stub.changeStatus(booked.appointment.id, doctorOf(day), status)).toMatchObject({
				ok: true,
				changed: true,
				appointment: { status },
			});
			versions.push((await stub.availability(day)).version);
		}
		// Every move is a change of the day; the place stays taken through all of them.
		expect(new Set(versions).size).toBe(4);
		expect((await stub.availability(day)).slots[1]).toMatchObject({ booked: 1 });

		await evictDurableObject(stub);
		const stored = await doctorDay(env, day.doctorId, day.date).appointment(booked.appointment.id);
		expect(stored?.history?.map((h) => [h.status, h.by])).toEqual([
			["pending", booked.appointment.patient_id],
			["confirmed", `u-${day.doctorId}`],
			["checked_in", `u-${day.doctorId}`],
			["completed", `u-${day.doctorId}`],
		]);
	});

	it("refuses a move the table does not have, changes nothing, and repeats harmlessly", async () => {
		const day = config({ requiresApproval: false });
		const stub = await pushed(day);
		const booked = await stub.book(day, request(day, "09:00"));
		if (!booked.ok) throw new Error(booked.code);
		expect(booked.appointment.status).toBe("confirmed");
		const version = (await stub.availability(day)).version;
		expect(await stub.changeStatus(booked.appointment.id, doctorOf(day), "declined")).toEqual({
			ok: false,
			code: "INVALID_TRANSITION",
		});
		const other: Actor = { userId: "u-x", role: "doctor", doctorId: "someone-else" };
		expect(await stub.changeStatus(booked.appointment.id, other, "no_show")).toEqual({
			ok: false,
			code: "FORBIDDEN",
		});
		expect((await stub.availability(day)).version).toBe(version);
		const admin: Actor = { userId: "admin", role: "admin", doctorId: null };
		expect(await stub.changeStatus(booked.appointment.id, admin, "no_show")).toMatchObject({ changed: true });
		expect(await stub.changeStatus(booked.appointment.id, admin, "no_show")).toMatchObject({
			changed: false,
		});
		// A no-show keeps its place: the slot's time is gone either way.
		expect((await stub.availability(day)).slots[0]).toMatchObject({ booked: 1 });
	});

	it("the projection in D1 follows every move, with the history", async () => {
		const day = config();
		const stub = await pushed(day);
		const booked = await stub.book(day, request(day, "09:00"));
		if (!booked.ok) throw new Error(booked.code);
		await stub.changeStatus(booked.appointment.id, doctorOf(day), "confirmed");
		const until = Date.now() + 5_000;
		let row: { status: string; body: string } | null = null;
		while (row?.status !== "confirmed") {
			if (Date.now() > until) throw new Error(`projection shows ${row?.status}`);
			await scheduler.wait(10);
			row = await env.DB.prepare("SELECT status, body FROM appointments WHERE id = ?")
				.bind(booked.appointment.id)
				.first();
		}
		expect(JSON.parse(row.body).history.map((h: { status: string }) => h.status)).toEqual([
			"pending",
			"confirmed",
		]);
	});
});
