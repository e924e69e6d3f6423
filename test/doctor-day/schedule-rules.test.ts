import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import type { BookResult } from "../../src/doctor-day/results";
import { at, unique } from "../helpers";
import { bookRequest, dayConfig, pushed } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) => dayConfig({ capacity: 3, ...overrides });

function tally(results: readonly BookResult[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const result of results) {
		const key = result.ok ? "ok" : result.code;
		counts[key] = (counts[key] ?? 0) + 1;
	}
	return counts;
}

const TIMES = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"];

describe("200 concurrent bookings with max_per_day and reserved places", () => {
	it("patients get exactly max_per_day places, never a reserved one; staff then take the reserved ones", async () => {
		// 6 slots × (3 − 1 reserved) = 12 places patients could take; the day takes 9 from them.
		const day = config({ reservedPlaces: 1, maxPerDay: 9 });
		const stub = await pushed(day);
		const patients = await Promise.all(
			Array.from({ length: 200 }, (_, i) => stub.book(day, bookRequest(day, TIMES[i % 6] as string))),
		);
		expect(tally(patients).ok).toBe(9);
		expect((tally(patients).DAY_FULL ?? 0) + (tally(patients).SLOT_FULL ?? 0)).toBe(191);
		let view = await stub.availability(day);
		expect(view.slots.reduce((sum, s) => sum + s.booked, 0)).toBe(9);
		for (const slot of view.slots) expect(slot.booked).toBeLessThanOrEqual(2);
		// A full day shows every slot taken to patients.
		expect(view.slots.every((s) => s.status === "full" && s.remaining === 0)).toBe(true);

		// The doctor books for patients past max_per_day and into the reserved places: one per slot fits.
		const staff = await Promise.all(
			TIMES.map((time) => stub.book(day, bookRequest(day, time, { bookedBy: "u-doctor" }))),
		);
		expect(tally(staff)).toEqual({ ok: 6 });
		view = await stub.availability(day);
		expect(view.slots.reduce((sum, s) => sum + s.booked, 0)).toBe(15);
		const fullest = view.slots.find((s) => s.booked === 3);
		expect(fullest).toBeDefined();
		const beyond = await stub.book(day, bookRequest(day, fullest?.time as string, { bookedBy: "u-doctor" }));
		expect(beyond).toMatchObject({ ok: false, code: "SLOT_FULL" });
		expect(await stub.book(day, bookRequest(day, "09:00"))).toMatchObject({ ok: false, code: "DAY_FULL" });
	});

	it("without max_per_day, patients fill exactly capacity − reserved per slot", async () => {
		const day = config({ reservedPlaces: 1 });
		const stub = await pushed(day);
		const results = await Promise.all(
			Array.from({ length: 200 }, (_, i) => stub.book(day, bookRequest(day, TIMES[i % 6] as string))),
		);
		expect(tally(results)).toEqual({ ok: 12, SLOT_FULL: 188 });
		const view = await stub.availability(day);
		expect(view.slots.map((s) => [s.booked, s.remaining, s.status])).toEqual(TIMES.map(() => [2, 0, "full"]));
	});
});

describe("holds and pending bookings count toward max_per_day", () => {
	it("a live hold takes the day's last place; its own booking still goes through", async () => {
		const day = config({ maxPerDay: 1, requiresApproval: true });
		const stub = await pushed(day);
		const holder = unique("p");
		const held = await stub.hold(day, {
			patientId: holder,
			placedBy: holder,
			start: Date.parse(at(day.date, "09:00")),
			expectedVersion: null,
		});
		expect(held.ok).toBe(true);
		expect(await stub.book(day, bookRequest(day, "10:00"))).toMatchObject({ ok: false, code: "DAY_FULL" });
		const own = await stub.book(day, bookRequest(day, "09:00", { patientId: holder }));
		expect(own).toMatchObject({ ok: true, appointment: { status: "pending" } });
		// The pending booking keeps the day's place.
		expect(await stub.book(day, bookRequest(day, "10:30"))).toMatchObject({ ok: false, code: "DAY_FULL" });
	});
});

describe("appointment types", () => {
	const typed = () =>
		config({ capacity: 1, appointmentTypes: [{ id: "long", name: "Long consultation", slots: 3 }] });

	it("takes its consecutive slots together and frees them together", async () => {
		const day = typed();
		const stub = await pushed(day);
		const booked = await stub.book(day, bookRequest(day, "09:30", { type: "long" }));
		if (!booked.ok) throw new Error(booked.code);
		expect(booked.appointment).toMatchObject({ type: "long", end: at(day.date, "11:00") });
		let view = await stub.availability(day);
		expect(view.slots.map((s) => s.booked)).toEqual([0, 1, 1, 1, 0, 0]);
		// All or none: a second long visit overlapping it takes nothing.
		expect(await stub.book(day, bookRequest(day, "09:00", { type: "long" }))).toMatchObject({
			ok: false,
			code: "SLOT_FULL",
		});
		expect(await stub.book(day, bookRequest(day, "11:00", { type: "long" }))).toMatchObject({
			ok: false,
			code: "SLOT_NOT_FOUND",
		});
		view = await stub.availability(day);
		expect(view.slots.map((s) => s.booked)).toEqual([0, 1, 1, 1, 0, 0]);
		const admin: Actor = { userId: "admin", role: "admin", doctorId: null };
		await stub.cancel(booked.appointment.id, admin);
		view = await stub.availability(day);
		expect(view.slots.map((s) => s.booked)).toEqual([0, 0, 0, 0, 0, 0]);
	});

	it("a hold of a type keeps every slot of it, and its confirm books the type", async () => {
		const day = typed();
		const stub = await pushed(day);
		const patient = unique("p");
		const start = Date.parse(at(day.date, "10:00"));
		const before = await stub.availability(day);
		const held = await stub.hold(day, {
			patientId: patient,
			placedBy: patient,
			start,
			expectedVersion: null,
			type: "long",
		});
		if (!held.ok) throw new Error(held.code);
		const view = await stub.availability(day);
		expect(view.slots.map((s) => s.held)).toEqual([0, 0, 1, 1, 1, 0]);
		// The day says which starts can take a long visit: none, once 10:00–11:30 is held (before: 09:00–10:30).
		expect(view.appointment_types).toEqual([
			{ id: "long", name: "Long consultation", slots: 3, minutes: 90 },
		]);
		expect(view.slots.map((s) => s.types)).toEqual([[], [], [], [], [], []]);
		expect(before.slots.map((s) => s.types)).toEqual([["long"], ["long"], ["long"], ["long"], [], []]);
		expect(await stub.book(day, bookRequest(day, "11:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
		const confirmed = await stub.book(
			day,
			bookRequest(day, "10:00", { patientId: patient, holdId: held.hold.id }),
		);
		expect(confirmed).toMatchObject({ ok: true, appointment: { type: "long", end: at(day.date, "11:30") } });
	});

	it("an unknown type is refused and books nothing", async () => {
		const day = typed();
		const stub = await pushed(day);
		expect(await stub.book(day, bookRequest(day, "09:00", { type: "short" }))).toMatchObject({
			ok: false,
			code: "UNKNOWN_TYPE",
		});
		expect((await stub.availability(day)).version).toBe(1);
	});
});

describe("cancel_cutoff_minutes", () => {
	it("refuses the patient inside the cutoff and lets the doctor cancel", async () => {
		// The day is 4 days ahead: a 10-day cutoff puts every slot inside it.
		const day = config({ cancelCutoffMinutes: 10 * 24 * 60 });
		const stub = await pushed(day);
		const patient: Actor = { userId: unique("p"), role: "patient", doctorId: null };
		const booked = await stub.book(day, bookRequest(day, "09:00", { patientId: patient.userId }));
		if (!booked.ok) throw new Error(booked.code);
		expect(await stub.cancel(booked.appointment.id, patient)).toEqual({
			ok: false,
			code: "TOO_LATE_TO_CANCEL",
		});
		const doctor: Actor = { userId: "u-doctor", role: "doctor", doctorId: day.doctorId };
		expect(await stub.cancel(booked.appointment.id, doctor)).toMatchObject({
			ok: true,
			appointment: { status: "cancelled" },
		});
	});
});
