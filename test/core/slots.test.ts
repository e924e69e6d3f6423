// Slots cut from working ranges, including DST days, and the validation of a day's ranges.
import { describe, expect, it } from "vitest";
import { findRangeProblem, type SlotTime, slotsForDay, type TimeRange } from "../../src/core/slots";

const r = (start: string, end: string): TimeRange => ({ start, end });

/** "local-time UTC-start" per slot, so a failure shows both at a glance. */
const describeSlots = (slots: SlotTime[]) =>
	slots.map((slot) => `${slot.time} ${new Date(slot.start).toISOString()}`);

describe("slotsForDay", () => {
	it.each([
		[
			"one range in UTC",
			"UTC",
			"2027-03-15",
			[r("09:00", "10:30")],
			30,
			["09:00 2027-03-15T09:00:00.000Z", "09:30 2027-03-15T09:30:00.000Z", "10:00 2027-03-15T10:00:00.000Z"],
		],
		[
			"several ranges, given out of order, come back sorted",
			"America/New_York",
			"2027-03-15",
			[r("14:00", "15:00"), r("09:00", "11:00")],
			60,
			["09:00 2027-03-15T13:00:00.000Z", "10:00 2027-03-15T14:00:00.000Z", "14:00 2027-03-15T18:00:00.000Z"],
		],
		[
			"a trailing piece shorter than a slot is dropped",
			"UTC",
			"2027-03-15",
			[r("09:00", "10:40")],
			30,
			["09:00 2027-03-15T09:00:00.000Z", "09:30 2027-03-15T09:30:00.000Z", "10:00 2027-03-15T10:00:00.000Z"],
		],
		["a range shorter than one slot gives none", "UTC", "2027-03-15", [r("09:00", "09:40")], 45, []],
		[
			"invalid ranges are skipped",
			"UTC",
			"2027-03-15",
			[r("9:00", "10:00"), r("12:00", "11:00"), r("13:00", "14:00")],
			60,
			["13:00 2027-03-15T13:00:00.000Z"],
		],
		[
			"Kolkata +05:30",
			"Asia/Kolkata",
			"2027-03-15",
			[r("09:00", "10:00")],
			30,
			["09:00 2027-03-15T03:30:00.000Z", "09:30 2027-03-15T04:00:00.000Z"],
		],
		[
			"Kathmandu +05:45",
			"Asia/Kathmandu",
			"2027-03-15",
			[r("09:00", "10:00")],
			30,
			["09:00 2027-03-15T03:15:00.000Z", "09:30 2027-03-15T03:45:00.000Z"],
		],
		[
			"Kathmandu, a range to 24:00",
			"Asia/Kathmandu",
			"2027-03-15",
			[r("23:00", "24:00")],
			60,
			["23:00 2027-03-15T17:15:00.000Z"],
		],
		[
			"NY spring-forward: 02:00-03:00 does not exist",
			"America/New_York",
			"2027-03-14",
			[r("01:00", "04:00")],
			30,
			[
				"01:00 2027-03-14T06:00:00.000Z",
				"01:30 2027-03-14T06:30:00.000Z",
				"03:00 2027-03-14T07:00:00.000Z",
				"03:30 2027-03-14T07:30:00.000Z",
			],
		],
		["NY spring: a range in the gap", "America/New_York", "2027-03-14", [r("02:00", "03:00")], 30, []],
		[
			"NY fall-back: 01:00-02:00 happens twice",
			"America/New_York",
			"2027-11-07",
			[r("00:00", "03:00")],
			30,
			[
				"00:00 2027-11-07T04:00:00.000Z",
				"00:30 2027-11-07T04:30:00.000Z",
				"01:00 2027-11-07T05:00:00.000Z",
				"01:30 2027-11-07T05:30:00.000Z",
				"01:00 2027-11-07T06:00:00.000Z",
				"01:30 2027-11-07T06:30:00.000Z",
				"02:00 2027-11-07T07:00:00.000Z",
				"02:30 2027-11-07T07:30:00.000Z",
			],
		],
		[
			"Berlin spring-forward",
			"Europe/Berlin",
			"2027-03-28",
			[r("01:00", "04:00")],
			60,
			["01:00 2027-03-28T00:00:00.000Z", "03:00 2027-03-28T01:00:00.000Z"],
		],
		[
			"Berlin fall-back",
			"Europe/Berlin",
			"2027-10-31",
			[r("01:00", "04:00")],
			60,
			[
				"01:00 2027-10-30T23:00:00.000Z",
				"02:00 2027-10-31T00:00:00.000Z",
				"02:00 2027-10-31T01:00:00.000Z",
				"03:00 2027-10-31T02:00:00.000Z",
			],
		],
		[
			"Lord Howe spring: half an hour skipped",
			"Australia/Lord_Howe",
			"2027-10-03",
			[r("01:00", "03:00")],
			30,
			["01:00 2027-10-02T14:30:00.000Z", "01:30 2027-10-02T15:00:00.000Z", "02:30 2027-10-02T15:30:00.000Z"],
		],
		[
			"Lord Howe fall: half an hour repeated",
			"Australia/Lord_Howe",
			"2027-04-04",
			[r("01:00", "03:00")],
			30,
			[
				"01:00 2027-04-03T14:00:00.000Z",
				"01:30 2027-04-03T14:30:00.000Z",
				"01:30 2027-04-03T15:00:00.000Z",
				"02:00 2027-04-03T15:30:00.000Z",
				"02:30 2027-04-03T16:00:00.000Z",
			],
		],
		[
			"Beirut: the day has no midnight",
			"Asia/Beirut",
			"2027-03-28",
			[r("00:00", "02:00")],
			30,
			["01:00 2027-03-27T22:00:00.000Z", "01:30 2027-03-27T22:30:00.000Z"],
		],
	])("%s", (_, tz, date, ranges, slotMinutes, expected) => {
		const slots = slotsForDay(date, ranges, slotMinutes, tz);
		expect(describeSlots(slots)).toEqual(expected);
		for (const slot of slots) expect(slot.end - slot.start).toBe(slotMinutes * 60_000);
	});

	it.each([
		[15, 12, "11:45"],
		[30, 6, "11:30"],
		[45, 4, "11:15"],
		[60, 3, "11:00"],
	])("%i-minute slots over 09:00-12:00: %i slots, the last at %s", (slotMinutes, count, last) => {
		const slots = slotsForDay("2027-03-15", [r("09:00", "12:00")], slotMinutes, "Asia/Kathmandu");
		expect(slots).toHaveLength(count);
		expect(slots[0]?.start).toBe(Date.parse("2027-03-15T03:15:00.000Z"));
		expect(slots.at(-1)?.time).toBe(last);
	});

	it.each([
		["an ordinary day", "2027-03-15", 24],
		["NY spring-forward", "2027-03-14", 23],
		["NY fall-back", "2027-11-07", 25],
	])("00:00-24:00 in hours, %s: %i slots", (_, date, count) => {
		expect(slotsForDay(date, [r("00:00", "24:00")], 60, "America/New_York")).toHaveLength(count);
	});

	it.each([0, -30, 7.5, Number.NaN])("slot length %d gives no slots", (slotMinutes) => {
		expect(slotsForDay("2027-03-15", [r("09:00", "12:00")], slotMinutes, "UTC")).toEqual([]);
	});
});

describe("findRangeProblem", () => {
	it.each([
		["no ranges", [], null],
		["one range", [r("09:00", "12:00")], null],
		["touching ranges", [r("09:00", "12:00"), r("12:00", "13:00")], null],
		["the whole day", [r("00:00", "24:00")], null],
		["unsorted but apart", [r("14:00", "16:00"), r("09:00", "12:00")], null],
		["a start without a leading zero", [r("9:00", "12:00")], /"9:00" is not a time/],
		["an end past midnight", [r("09:00", "24:30")], /"24:30" is not a time/],
		["minutes out of range", [r("09:60", "12:00")], /"09:60" is not a time/],
		["start equal to end", [r("09:00", "09:00")], /09:00-09:00 must start before it ends/],
		["start after end", [r("13:00", "12:00")], /13:00-12:00 must start before it ends/],
		["a start of 24:00", [r("24:00", "24:00")], /must start before it ends/],
		["overlapping", [r("09:00", "12:00"), r("11:00", "13:00")], /09:00-12:00 and 11:00-13:00 overlap/],
		["unsorted overlap", [r("14:00", "16:00"), r("09:00", "15:00")], /09:00-15:00 and 14:00-16:00 overlap/],
		["one inside another", [r("09:00", "17:00"), r("10:00", "11:00")], /overlap/],
		["the same range twice", [r("09:00", "12:00"), r("09:00", "12:00")], /overlap/],
	])("%s", (_, ranges, expected) => {
		const problem = findRangeProblem(ranges);
		if (expected === null) expect(problem).toBeNull();
		else expect(problem).toMatch(expected);
	});
});
