// The schedule's rules as tables: capacity per range, buffers (DST days too), notice, cancel cutoff,
// max_per_day, reserved places and multi-slot appointment types, each at its exact boundary.
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import { type BookedCounts, decideBooking, type HeldCounts, slotViews } from "../../src/core/booking";
import type { DayConfig } from "../../src/core/day-config";
import { type BookCommand, type BookState, decideBook, decideCancel } from "../../src/core/day-decider";
import { decideHold, type HoldRecord, heldCounts } from "../../src/core/holds";
import { overCapacity } from "../../src/core/over-capacity";
import { slotsForDay } from "../../src/core/slots";
import { bookCommand, bookState, DATE, dayConfig, MINUTE, ms, NOW } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({ doctorId: "dr-rules", capacity: 2, ranges: [{ start: "09:00", end: "11:00" }], ...overrides });

const none: BookedCounts = new Map();
const timesOf = (
	date: string,
	zone: string,
	ranges: { start: string; end: string }[],
	slot: number,
	buffer: number,
) =>
	slotsForDay(date, ranges, slot, zone, { bufferMinutes: buffer }).map(
		(s) => `${s.time} ${new Date(s.start).toISOString()}`,
	);

describe("buffer_minutes cuts slots with a gap after each", () => {
	it.each<[string, string, string, { start: string; end: string }[], number, number, string[]]>([
		[
			"a plain day: the last slot ends before the range does",
			"UTC",
			DATE,
			[{ start: "09:00", end: "11:00" }],
			30,
			10,
			["09:00 2027-03-15T09:00:00.000Z", "09:40 2027-03-15T09:40:00.000Z", "10:20 2027-03-15T10:20:00.000Z"],
		],
		[
			"a buffer after the last slot may run past the range's end",
			"UTC",
			DATE,
			[{ start: "09:00", end: "10:10" }],
			30,
			10,
			["09:00 2027-03-15T09:00:00.000Z", "09:40 2027-03-15T09:40:00.000Z"],
		],
		[
			"NY spring forward: real time is walked, 02:xx does not exist",
			"America/New_York",
			"2027-03-14",
			[{ start: "01:00", end: "04:00" }],
			30,
			15,
			["01:00 2027-03-14T06:00:00.000Z", "01:45 2027-03-14T06:45:00.000Z", "03:30 2027-03-14T07:30:00.000Z"],
		],
		[
			"NY fall back: 01:30 comes twice, each a slot",
			"America/New_York",
			"2027-11-07",
			[{ start: "00:30", end: "02:30" }],
			45,
			15,
			["00:30 2027-11-07T04:30:00.000Z", "01:30 2027-11-07T05:30:00.000Z", "01:30 2027-11-07T06:30:00.000Z"],
		],
	])("%s", (_name, zone, date, ranges, slot, buffer, expected) => {
		expect(timesOf(date, zone, ranges, slot, buffer)).toEqual(expected);
	});

	it("a zero buffer cuts back to back, as before", () => {
		expect(timesOf(DATE, "UTC", [{ start: "09:00", end: "10:00" }], 30, 0)).toEqual([
			"09:00 2027-03-15T09:00:00.000Z",
			"09:30 2027-03-15T09:30:00.000Z",
		]);
	});
});

describe("capacity per range", () => {
	const busyMorning = config({
		ranges: [
			{ start: "09:00", end: "10:00", capacity: 15 },
			{ start: "17:00", end: "18:00" },
		],
	});

	it("a range's capacity overrides the schedule's; others keep it", () => {
		expect(slotViews(busyMorning, none, NOW).map((s) => [s.time, s.capacity, s.remaining])).toEqual([
			["09:00", 15, 15],
			["09:30", 15, 15],
			["17:00", 2, 2],
			["17:30", 2, 2],
		]);
	});

	it("books up to the range's capacity and no further", () => {
		const full = new Map([[ms("09:00"), 15]]);
		expect(decideBooking(busyMorning, ms("09:00"), NOW, new Map([[ms("09:00"), 14]]), false)).toMatchObject({
			ok: true,
		});
		expect(decideBooking(busyMorning, ms("09:00"), NOW, full, false)).toMatchObject({
			ok: false,
			code: "SLOT_FULL",
			capacity: 15,
		});
	});

	it("capacity lowered below the bookings: full, nothing remaining, the extra booking listed", () => {
		const lowered = config({ ranges: [{ start: "09:00", end: "10:00", capacity: 1 }] });
		const booked = new Map([[ms("09:00"), 3]]);
		expect(slotViews(lowered, booked, NOW)[0]).toMatchObject({ status: "full", booked: 3, remaining: 0 });
		expect(decideBooking(lowered, ms("09:00"), NOW, booked, false)).toMatchObject({ code: "SLOT_FULL" });
		const bookings = ["a", "b", "c"].map((id) => ({ id, start: ms("09:00") }));
		expect(overCapacity(lowered, bookings, NOW).map((b) => b.id)).toEqual(["b", "c"]);
	});
});

describe("min_notice_minutes", () => {
	const notice = config({ minNoticeMinutes: 60 });
	const start = ms("09:30");

	it.each<[string, number, boolean, string | null]>([
		["exactly the notice ahead: bookable", start - 60 * MINUTE, false, null],
		["a millisecond inside it: too late", start - 60 * MINUTE + 1, false, "TOO_LATE_TO_BOOK"],
		["inside it, for the doctor or an admin: bookable", start - 5 * MINUTE, true, null],
	])("%s", (_name, now, staff, code) => {
		const decision = decideBooking(notice, start, now, none, false, undefined, { staff });
		expect(decision.ok ? null : decision.code).toBe(code);
	});

	it("patients see slots inside the notice as unavailable", () => {
		const now = ms("09:00") - 60 * MINUTE + 1;
		expect(slotViews(notice, none, now).map((s) => [s.time, s.status])).toEqual([
			["09:00", "unavailable"],
			["09:30", "available"],
			["10:00", "available"],
			["10:30", "available"],
		]);
	});
});

describe("max_per_day", () => {
	const limited = config({ maxPerDay: 3 });

	it.each<[string, number, boolean, string | null]>([
		["below the limit", 2, false, null],
		["at the limit: the day is full for patients", 3, false, "DAY_FULL"],
		["at the limit, for the doctor or an admin", 3, true, null],
	])("%s", (_name, dayBookings, staff, code) => {
		const decision = decideBooking(limited, ms("09:00"), NOW, none, false, undefined, { staff, dayBookings });
		expect(decision.ok ? null : decision.code).toBe(code);
	});

	it("null is no limit", () => {
		const decision = decideBooking(config({ maxPerDay: null }), ms("09:00"), NOW, none, false, undefined, {
			dayBookings: 10_000,
		});
		expect(decision.ok).toBe(true);
	});

	it("a full day shows every slot full with nothing remaining", () => {
		const views = slotViews(limited, new Map([[ms("09:00"), 1]]), NOW, undefined, 3);
		expect(views.map((s) => [s.status, s.remaining])).toEqual([
			["full", 0],
			["full", 0],
			["full", 0],
			["full", 0],
		]);
	});
});

describe("reserved_places", () => {
	const reserved = config({ capacity: 3, reservedPlaces: 1 });
	const held = (count: number): HeldCounts => new Map([[ms("09:00"), { count, until: NOW + 1000 }]]);

	it.each<[string, number, number, boolean, string | null]>([
		["a patient takes an ordinary place", 1, 0, false, null],
		["a patient cannot take the reserved place", 2, 0, false, "SLOT_FULL"],
		["the doctor or an admin can", 2, 0, true, null],
		["not even staff past the capacity", 3, 0, true, "SLOT_FULL"],
		["an ordinary place held by another: a patient waits", 1, 1, false, "SLOT_HELD"],
		["an ordinary place held by another: staff take the reserved one", 1, 1, true, null],
	])("%s", (_name, booked, holding, staff, code) => {
		const decision = decideBooking(
			reserved,
			ms("09:00"),
			NOW,
			new Map([[ms("09:00"), booked]]),
			false,
			held(holding),
			{ staff },
		);
		expect(decision.ok ? null : decision.code).toBe(code);
	});

	it("patients see remaining = capacity − booked − held − reserved, and full when only reserved ones are left", () => {
		const [free, taken] = slotViews(reserved, new Map([[ms("09:30"), 2]]), NOW, held(1));
		expect(free).toMatchObject({ capacity: 3, booked: 0, held: 1, remaining: 1, status: "available" });
		expect(taken).toMatchObject({ capacity: 3, booked: 2, held: 0, remaining: 0, status: "full" });
	});
});

describe("appointment types take consecutive slots of one range, all or none", () => {
	const typed = config({
		capacity: 1,
		ranges: [
			{ start: "09:00", end: "10:30" },
			{ start: "10:30", end: "11:30" },
		],
	});
	const take = (c: DayConfig, time: string, slots: number, booked: BookedCounts = none) =>
		decideBooking(c, ms(time), NOW, booked, false, undefined, { slots });

	it.each<[string, DayConfig, string, number, BookedCounts, string | null]>([
		["two free slots", typed, "09:00", 2, none, null],
		["the last two slots of a range", typed, "09:30", 2, none, null],
		[
			"one slot short of the range's end (the next range touches it)",
			typed,
			"10:00",
			2,
			none,
			"SLOT_NOT_FOUND",
		],
		["past the last range's end", typed, "11:00", 2, none, "SLOT_NOT_FOUND"],
		[
			"a block over its second slot",
			{ ...typed, blocks: [{ id: "b", start: "09:30", end: "09:45", reason: null }] },
			"09:00",
			2,
			none,
			"SLOT_UNAVAILABLE",
		],
		["its second slot full", typed, "09:00", 2, new Map([[ms("09:30"), 1]]), "SLOT_FULL"],
	])("%s", (_name, c, time, slots, booked, code) => {
		const decision = take(c, time, slots, booked);
		expect(decision.ok ? null : decision.code).toBe(code);
	});

	it("the visit runs from its first slot's start to its last slot's end, buffers included", () => {
		const buffered = config({ capacity: 1, bufferMinutes: 10 });
		const decision = take(buffered, "09:00", 2);
		if (!decision.ok) throw new Error(decision.code);
		expect([decision.slot.start, decision.slot.end]).toEqual([ms("09:00"), ms("10:10")]);
		expect(decision.slots.map((s) => s.start)).toEqual([ms("09:00"), ms("09:40")]);
	});

	it("on a DST day it takes the slots on either side of the skipped hour", () => {
		const dst: DayConfig = {
			...config({ capacity: 1, timezone: "America/New_York", date: "2027-03-14" }),
			ranges: [{ start: "01:00", end: "04:00" }],
		};
		const decision = decideBooking(dst, Date.parse("2027-03-14T06:30:00.000Z"), NOW, none, false, undefined, {
			slots: 2,
		});
		if (!decision.ok) throw new Error(decision.code);
		expect(decision.slots.map((s) => s.time)).toEqual(["01:30", "03:00"]);
		expect(new Date(decision.slot.end).toISOString()).toBe("2027-03-14T07:30:00.000Z");
	});
});

describe("the decider applies types, holds and the day's limit", () => {
	const typed = config({
		capacity: 1,
		maxPerDay: 2,
		appointmentTypes: [{ id: "long", name: "Long", slots: 2 }],
	});
	const command = (overrides: Partial<BookCommand> = {}) =>
		bookCommand({ id: "dr-rules.2027-03-15.new", ...overrides });
	const state = (overrides: Partial<BookState> = {}) => bookState(typed, overrides);
	const hold = (id: string, patient: string, starts: number[], type?: string): HoldRecord => ({
		hold: {
			id,
			doctor_id: "dr-rules",
			patient_id: patient,
			start: new Date(starts[0] ?? 0).toISOString(),
			end: new Date((starts.at(-1) ?? 0) + 30 * MINUTE).toISOString(),
			expires_at: new Date(NOW + 60_000).toISOString(),
			...(type ? { type } : {}),
		},
		status: "live",
		appointmentId: null,
		starts,
	});

	it("books a type over its slots, naming the type", () => {
		const decision = decideBook(state(), command({ type: "long" }), NOW);
		expect(decision).toMatchObject({
			kind: "booked",
			appointment: { type: "long", start: "2027-03-15T09:00:00.000Z", end: "2027-03-15T10:00:00.000Z" },
			slots: [ms("09:00"), ms("09:30")],
		});
	});

	it("an unknown type is refused as such", () => {
		expect(decideBook(state(), command({ type: "nope" }), NOW)).toMatchObject({ code: "UNKNOWN_TYPE" });
		expect(
			decideHold(
				{ ...state(), holds: [] },
				{ id: "h", patientId: "p1", placedBy: "p1", start: ms("09:00"), expectedVersion: null, type: "nope" },
				NOW,
			),
		).toMatchObject({ code: "UNKNOWN_TYPE" });
	});

	it("another patient's multi-slot hold keeps a place in each of its slots", () => {
		const other = hold("h2", "p2", [ms("09:00"), ms("09:30")], "long");
		expect(heldCounts([other], NOW).get(ms("09:30"))?.count).toBe(1);
		expect(decideBook(state({ holds: [other] }), command({ start: ms("09:30") }), NOW)).toMatchObject({
			code: "SLOT_HELD",
		});
	});

	it("confirming a typed hold books its type without naming it; naming another is a mismatch", () => {
		const own = hold("h1", "p1", [ms("09:00"), ms("09:30")], "long");
		const withHold = state({ holds: [own], hold: own });
		expect(decideBook(withHold, command({ holdId: "h1" }), NOW)).toMatchObject({
			kind: "booked",
			appointment: { type: "long" },
		});
		const plain = hold("h1", "p1", [ms("09:00")]);
		expect(
			decideBook(state({ holds: [plain], hold: plain }), command({ holdId: "h1", type: "long" }), NOW),
		).toMatchObject({ code: "HOLD_MISMATCH" });
	});

	it("a hold's confirm keeps its place once the notice has begun or only reserved places are left", () => {
		const strict = { ...typed, minNoticeMinutes: 60, reservedPlaces: 1, capacity: 2 };
		const late = ms("09:00") - 30 * MINUTE;
		const placed = hold("h1", "p1", [ms("09:00")]);
		const own = { ...placed, hold: { ...placed.hold, expires_at: new Date(late + 60_000).toISOString() } };
		const withHold = state({ config: strict, holds: [own], hold: own, booked: new Map([[ms("09:00"), 1]]) });
		expect(decideBook(withHold, command({ holdId: "h1" }), late)).toMatchObject({ kind: "booked" });
		// Without the hold the same patient is refused.
		expect(decideBook(state({ config: strict }), command(), late)).toMatchObject({
			code: "TOO_LATE_TO_BOOK",
		});
	});

	it("others' live holds count toward max_per_day; the patient's own does not", () => {
		const other = hold("h2", "p2", [ms("10:00")]);
		const own = hold("h1", "p1", [ms("09:00")]);
		expect(decideBook(state({ dayBookings: 1, holds: [other] }), command(), NOW)).toMatchObject({
			code: "DAY_FULL",
		});
		expect(decideBook(state({ dayBookings: 1, holds: [own] }), command(), NOW)).toMatchObject({
			kind: "booked",
		});
		expect(
			decideBook(state({ dayBookings: 2 }), command({ bookedBy: "dr-user", patientId: "p1" }), NOW),
		).toMatchObject({ kind: "booked" });
	});
});

describe("cancel_cutoff_minutes binds patients only", () => {
	const cutoff = config({ cancelCutoffMinutes: 120, capacity: 1 });
	const booked = decideBook(
		bookState(cutoff),
		bookCommand({ id: "dr-rules.2027-03-15.a", start: ms("10:00") }),
		NOW,
	);
	const appointment = (booked as { appointment: Appointment }).appointment;
	const patient: Actor = { userId: "p1", role: "patient", doctorId: null };
	const doctor: Actor = { userId: "u-dr", role: "doctor", doctorId: "dr-rules" };
	const admin: Actor = { userId: "admin", role: "admin", doctorId: null };
	const edge = ms("10:00") - 120 * MINUTE;

	it.each<[string, Actor, number, boolean, string]>([
		["the patient, exactly at the cutoff", patient, edge, false, "cancelled"],
		["the patient, a millisecond inside it", patient, edge + 1, false, "TOO_LATE_TO_CANCEL"],
		["the doctor, inside it", doctor, edge + 1, false, "cancelled"],
		["an admin, inside it", admin, edge + 1, false, "cancelled"],
		["the patient deleting their account, inside it", patient, edge + 1, true, "cancelled"],
	])("%s", (_name, actor, now, overrideCutoff, expected) => {
		const decision = decideCancel(appointment, { actor, config: cutoff, overrideCutoff }, now);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(expected);
	});
});
