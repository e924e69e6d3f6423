// The booking rules as pure functions: statuses, decisions and what a schedule change leaves outside.
import { describe, expect, it } from "vitest";
import {
	type BookedCounts,
	decideBooking,
	outsideSchedule,
	slotViews,
	summarize,
} from "../../src/core/booking";
import type { DayConfig } from "../../src/core/day-config";
import { closedByClinic, closedReason, dayOpenness } from "../../src/core/day-config";
import { dayConfigOf } from "../../src/core/doctor-config";
import { dayConfig, ms, NOW } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({ doctorId: "dr-test", capacity: 2, ranges: [{ start: "09:00", end: "11:00" }], ...overrides });

const none: BookedCounts = new Map();

describe("decideBooking", () => {
	it.each<[string, Partial<DayConfig>, string, number, BookedCounts, boolean, string | null]>([
		["a free slot", {}, "09:30", NOW, none, false, null],
		["the last place", {}, "09:30", NOW, new Map([[ms("09:30"), 1]]), false, null],
		["a full slot", {}, "09:30", NOW, new Map([[ms("09:30"), 2]]), false, "SLOT_FULL"],
		[
			"an over-full slot (capacity lowered later)",
			{},
			"09:30",
			NOW,
			new Map([[ms("09:30"), 3]]),
			false,
			"SLOT_FULL",
		],
		["a slot the patient holds", {}, "09:30", NOW, none, true, "ALREADY_BOOKED"],
		["an unapproved doctor", { isApproved: false }, "09:30", NOW, none, false, "DOCTOR_UNAVAILABLE"],
		["an unavailable doctor", { isAvailable: false }, "09:30", NOW, none, false, "DOCTOR_UNAVAILABLE"],
		["a slot that started", {}, "09:30", ms("09:30"), none, false, "SLOT_IN_PAST"],
		["a day without ranges", { ranges: [] }, "09:30", NOW, none, false, "DAY_UNAVAILABLE"],
		["a day past the horizon", { horizonDays: 4 }, "09:30", NOW, none, false, "DAY_UNAVAILABLE"],
		["the last day of the horizon", { horizonDays: 5 }, "09:30", NOW, none, false, null],
		["no schedule", { timezone: null }, "09:30", NOW, none, false, "DAY_UNAVAILABLE"],
		["a day the clinic is closed", { clinicClosed: true }, "09:30", NOW, none, false, "CLINIC_CLOSED"],
		[
			"closed, even beyond the horizon",
			{ clinicClosed: true, horizonDays: 1 },
			"09:30",
			NOW,
			none,
			false,
			"CLINIC_CLOSED",
		],
		["a time between slot starts", {}, "09:10", NOW, none, false, "SLOT_NOT_FOUND"],
		["the range's end", {}, "11:00", NOW, none, false, "SLOT_NOT_FOUND"],
		[
			"a slot a block overlaps",
			{ blocks: [{ id: "b", start: "09:45", end: "10:15", reason: "meeting" }] },
			"10:00",
			NOW,
			none,
			false,
			"SLOT_UNAVAILABLE",
		],
		[
			"a slot that only touches a block",
			{ blocks: [{ id: "b", start: "10:00", end: "10:30", reason: null }] },
			"09:30",
			NOW,
			none,
			false,
			null,
		],
	])("%s", (_name, overrides, time, now, booked, holds, code) => {
		const decision = decideBooking(config(overrides), ms(time), now, booked, holds);
		if (code === null) expect(decision).toMatchObject({ ok: true, slot: { start: ms(time), time } });
		else expect(decision).toMatchObject({ ok: false, code });
	});
});

describe("slotViews", () => {
	it("gives each slot one status: past, then unavailable, then full, then available", () => {
		const now = ms("09:15");
		const day = config({ blocks: [{ id: "b", start: "10:00", end: "10:30", reason: null }] });
		const booked = new Map([
			[ms("09:00"), 2],
			[ms("09:30"), 2],
			[ms("10:00"), 2],
			[ms("10:30"), 1],
		]);
		const views = slotViews(day, booked, now);
		expect(views.map((v) => [v.time, v.status, v.booked, v.remaining])).toEqual([
			["09:00", "past", 2, 0],
			["09:30", "full", 2, 0],
			["10:00", "unavailable", 2, 0],
			["10:30", "available", 1, 1],
		]);
		expect(summarize(views)).toEqual({ total_slots: 4, available_count: 1, booked_count: 1 });
	});

	it("shows every slot unavailable while the doctor is not taking bookings", () => {
		const views = slotViews(config({ isAvailable: false }), none, NOW);
		expect(new Set(views.map((v) => v.status))).toEqual(new Set(["unavailable"]));
	});

	it.each<[string, Partial<DayConfig>]>([
		["a disabled day", { ranges: [] }],
		["a day past the horizon", { horizonDays: 1 }],
		["no schedule", { timezone: null }],
	])("has no slots on %s", (_name, overrides) => {
		expect(slotViews(config(overrides), none, NOW)).toEqual([]);
	});

	it("never shows a negative number of places left", () => {
		const [view] = slotViews(config({ capacity: 1 }), new Map([[ms("09:00"), 3]]), NOW);
		expect(view).toMatchObject({ booked: 3, remaining: 0, status: "full" });
	});
});

describe("dayOpenness", () => {
	it.each<[string, Partial<DayConfig>, string]>([
		["open", {}, "open"],
		["no_schedule", { timezone: null }, "no_schedule"],
		["not_enabled", { ranges: [] }, "not_enabled"],
		["beyond_horizon", { horizonDays: 0 }, "beyond_horizon"],
		["clinic_closed", { clinicClosed: true }, "clinic_closed"],
		["no_schedule before clinic_closed", { clinicClosed: true, timezone: null }, "no_schedule"],
	])("%s", (_name, overrides, expected) => {
		expect(dayOpenness(config(overrides), NOW)).toBe(expected);
	});
});

describe("outsideSchedule", () => {
	const booking = (time: string) => ({ start: ms(time), end: ms(time) + 30 * 60_000, id: time });

	it("lists future bookings that are no slot start or are blocked, and ignores past ones", () => {
		const day = config({
			ranges: [{ start: "09:00", end: "10:00" }],
			blocks: [{ id: "b", start: "09:30", end: "09:40", reason: null }],
		});
		const bookings = [booking("09:00"), booking("09:30"), booking("10:30"), booking("08:00")];
		expect(outsideSchedule(day, bookings, NOW).map((b) => b.id)).toEqual(["09:30", "10:30", "08:00"]);
		expect(outsideSchedule(day, bookings, ms("10:00")).map((b) => b.id)).toEqual(["10:30"]);
	});

	it("lists every future booking of a day its clinic closed", () => {
		const bookings = [booking("09:00"), booking("09:30")];
		expect(outsideSchedule(config({ clinicClosed: true }), bookings, ms("09:10")).map((b) => b.id)).toEqual([
			"09:30",
		]);
	});
});

describe("a clinic's closed days", () => {
	const doctor = {
		doctorId: "dr-clinic",
		version: 1,
		timezone: "UTC",
		isAvailable: true,
		isApproved: true,
		slotMinutes: 30,
		capacity: 2,
		horizonDays: 30,
		weekly: Array.from({ length: 7 }, () => [{ start: "09:00", end: "11:00" }]),
		blocks: {},
		clinicClosures: { weekdays: ["friday" as const], holidays: ["2027-03-15"] },
	};

	it.each([
		["2027-03-15", "a holiday (a Monday)", true],
		["2027-03-19", "a closed weekday (Friday)", true],
		["2027-03-16", "an open Tuesday", false],
		["2027-03-22", "the Monday after the holiday", false],
	])("%s, %s: closed %s", (date, _name, closed) => {
		const day = dayConfigOf(doctor, date);
		expect(closedByClinic(doctor.clinicClosures, date)).toBe(closed);
		expect(closedReason(day)).toBe(closed ? "clinic" : null);
		expect(slotViews(day, none, NOW)).toHaveLength(closed ? 0 : 4);
	});

	it("closes nothing for a doctor of no clinic", () => {
		const { clinicClosures: _, ...alone } = doctor;
		expect(closedReason(dayConfigOf(alone, "2027-03-19"))).toBeNull();
	});
});
