// The doctor-day's decider as "given this state, when this command, then these events (or this refusal)".
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import {
	type BookCommand,
	type BookState,
	decideBook,
	decideCancel,
	decideConfig,
} from "../../src/core/day-decider";
import { dayWindow, inDayWindow, outsideWindowRefusal } from "../../src/core/day-window";
import { type DoctorConfig, dayConfigOf } from "../../src/core/doctor-config";
import { bookCommand, bookState, DATE, dayConfig, ms, NOW } from "./day-fixtures";

const config = dayConfig({ doctorId: "dr-test", version: 3 });
const command = (overrides: Partial<BookCommand> = {}) =>
	bookCommand({ id: "dr-test.2027-03-15.new", idempotencyKey: "k1", ...overrides });
const state = (overrides: Partial<BookState> = {}) => bookState(config, overrides);

describe("decideBook", () => {
	it("given a free slot, when booked, then one appointment.booked event", () => {
		const decision = decideBook(state(), command(), NOW);
		expect(decision).toMatchObject({
			kind: "booked",
			appointment: { id: "dr-test.2027-03-15.new", time: "09:00" },
		});
		if (decision.kind !== "booked") throw new Error("expected a booking");
		expect(decision.events).toEqual([
			{ type: "appointment.booked", appointment: decision.appointment, booked_by: "p1" },
		]);
	});

	it("given a full slot, when booked, then SLOT_FULL and no event", () => {
		const decision = decideBook(state({ booked: new Map([[ms("09:00"), 1]]) }), command(), NOW);
		expect(decision).toEqual({ kind: "refused", code: "SLOT_FULL", booked: 1, capacity: 1 });
	});

	it("given a booking under the key, when the same request comes again, then it is replayed (even if full)", () => {
		const first = decideBook(state(), command(), NOW);
		if (first.kind !== "booked") throw new Error("expected a booking");
		const keyed = first.appointment;
		const again = decideBook(
			state({ keyed, booked: new Map([[ms("09:00"), 1]]) }),
			command({ id: "other" }),
			NOW,
		);
		expect(again).toEqual({ kind: "replayed", appointment: keyed });
	});

	it("given a booking under the key, when another request uses it, then key_reused", () => {
		const first = decideBook(state(), command(), NOW);
		if (first.kind !== "booked") throw new Error("expected a booking");
		const other = decideBook(state({ keyed: first.appointment }), command({ start: ms("09:30") }), NOW);
		expect(other).toEqual({ kind: "key_reused", appointment: first.appointment });
	});
});

describe("the per-patient day limit", () => {
	it.each<[string, Partial<BookState>, Partial<BookCommand>, string]>([
		["a patient under the default limit of 4", { patientPlaces: 3 }, {}, "booked"],
		["a patient at the default limit", { patientPlaces: 4 }, {}, "PATIENT_DAY_LIMIT"],
		[
			"a patient at the schedule's own limit",
			{ patientPlaces: 1, config: { ...config, maxPerPatient: 1 } },
			{},
			"PATIENT_DAY_LIMIT",
		],
		["a doctor or admin booking for the patient", { patientPlaces: 4 }, { bookedBy: "admin" }, "booked"],
	])("%s: %s", (_name, given, when, then) => {
		const decision = decideBook(state(given), command(when), NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(then);
	});
});

describe("decideCancel", () => {
	const booked = decideBook(state(), command(), NOW);
	const appointment = (booked as { appointment: Appointment }).appointment;
	const owner: Actor = { userId: "p1", role: "patient", doctorId: null };

	it.each<[string, Appointment | null, Actor, number, string]>([
		["an unknown appointment", null, owner, NOW, "APPOINTMENT_NOT_FOUND"],
		["another patient's", appointment, { userId: "p2", role: "patient", doctorId: null }, NOW, "FORBIDDEN"],
		["one whose slot has started", appointment, owner, ms("09:00"), "SLOT_IN_PAST"],
	])("refuses %s", (_name, stored, actor, now, code) => {
		expect(decideCancel(stored, { actor }, now)).toEqual({ kind: "refused", code });
	});

	it("cancels once, with an appointment.cancelled event; again it is unchanged", () => {
		const first = decideCancel(appointment, { actor: owner }, NOW);
		expect(first).toMatchObject({ kind: "cancelled", appointment: { status: "cancelled" } });
		if (first.kind !== "cancelled") throw new Error("expected a cancellation");
		expect(first.events).toEqual([
			{ type: "appointment.cancelled", appointment: first.appointment, cancelled_by: "patient" },
		]);
		expect(decideCancel(first.appointment, { actor: owner }, NOW)).toEqual({
			kind: "unchanged",
			appointment: first.appointment,
		});
	});
});

describe("decideConfig", () => {
	it.each<[string, DayConfig | null, number, number]>([
		["a first config", null, 1, 1],
		["a newer one", config, 4, 1],
		["the same version", config, 3, 0],
		["an older one arriving late", config, 2, 0],
	])("records %s as %s event(s)", (_name, held, version, events) => {
		expect(decideConfig(held, { ...config, version })).toHaveLength(events);
	});
});

describe("the day window", () => {
	const route = {
		doctorId: "dr",
		timezone: "Pacific/Auckland",
		horizonDays: 10,
		isApproved: true,
		isAvailable: true,
	};
	const now = Date.parse("2027-03-10T20:00:00.000Z"); // already 11 March in Auckland

	it("runs from a week back to the horizon, in the doctor's own zone", () => {
		expect(dayWindow(route, now)).toEqual({ first: "2027-03-04", last: "2027-03-21" });
	});

	it.each<[string, boolean]>([
		["2027-03-03", false],
		["2027-03-04", true],
		["2027-03-21", true],
		["2027-03-22", false],
		["1970-01-01", false],
		["9999-12-31", false],
	])("%s in the window: %s", (date, inside) => {
		expect(inDayWindow(route, date, now)).toBe(inside);
	});

	it("has no dates for a doctor without a schedule", () => {
		expect(inDayWindow({ ...route, timezone: null }, "2027-03-11", now)).toBe(false);
	});

	it.each<[string, Partial<typeof route>, number, string]>([
		["an unavailable doctor", { isAvailable: false }, now + 1, "DOCTOR_UNAVAILABLE"],
		["a past instant", {}, now - 1, "SLOT_IN_PAST"],
		["a far future instant", {}, now + 1, "DAY_UNAVAILABLE"],
	])("refuses a booking outside it for %s in the contract's order", (_name, overrides, start, code) => {
		expect(outsideWindowRefusal({ ...route, ...overrides }, start, now)).toBe(code);
	});
});

describe("dayConfigOf", () => {
	it("cuts the doctor's config to one date: its weekday's ranges and its own blocks", () => {
		const doctor: DoctorConfig = {
			doctorId: "dr",
			version: 7,
			timezone: "UTC",
			isAvailable: true,
			isApproved: true,
			slotMinutes: 30,
			capacity: 2,
			horizonDays: 30,
			weekly: [[{ start: "09:00", end: "10:00" }], [], [], [], [], [], [{ start: "12:00", end: "13:00" }]],
			blocks: { [DATE]: [{ id: "b", start: "09:00", end: "09:30", reason: null }] },
		};
		expect(dayConfigOf(doctor, DATE)).toMatchObject({
			date: DATE,
			version: 7,
			ranges: [{ start: "09:00" }],
			blocks: [{ id: "b" }],
		});
		expect(dayConfigOf(doctor, "2027-03-21")).toMatchObject({ ranges: [{ start: "12:00" }], blocks: [] });
	});
});
