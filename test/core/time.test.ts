// Calendar and time-zone arithmetic, with every expected UTC instant worked out by hand.
import { describe, expect, it } from "vitest";
import { datesInRange } from "../../src/core/day-range";
import {
	addDays,
	daysBetween,
	formatTime,
	isValidDate,
	localDateOf,
	localTimeOf,
	localToInstant,
	parseTime,
	wallClockAt,
	weekdayOf,
} from "../../src/core/time";

const iso = (ms: number) => new Date(ms).toISOString();

describe("isValidDate", () => {
	it.each([
		["2027-02-28", true],
		["2027-02-29", false],
		["2028-02-29", true],
		["2100-02-29", false],
		["2000-02-29", true],
		["2027-04-31", false],
		["2027-13-01", false],
		["2027-00-10", false],
		["2027-01-00", false],
		["2027-4-01", false],
		["1969-12-31", false],
		["1970-01-01", true],
		["9999-12-31", true],
		["10000-01-01", false],
		["2027-03-14T00:00", false],
		[" 2027-03-14", false],
		["", false],
	])("%j -> %s", (date, valid) => {
		expect(isValidDate(date)).toBe(valid);
	});
});

describe("parseTime and formatTime", () => {
	it.each([
		["00:00", 0],
		["09:00", 540],
		["05:45", 345],
		["23:59", 1439],
		["24:00", 1440],
		["9:00", null],
		["24:01", null],
		["25:00", null],
		["12:60", null],
		[" 09:00", null],
		["09:00 ", null],
		["09:00:00", null],
		["0900", null],
		["", null],
	])("parseTime(%j) -> %s", (text, minutes) => {
		expect(parseTime(text)).toBe(minutes);
	});

	it.each([
		[0, "00:00"],
		[345, "05:45"],
		[540, "09:00"],
		[1439, "23:59"],
		[1440, "24:00"],
	])("formatTime(%i) -> %s", (minutes, text) => {
		expect(formatTime(minutes)).toBe(text);
	});
});

describe("calendar arithmetic", () => {
	it.each([
		["1970-01-01", "thursday"],
		["2027-03-14", "sunday"],
		["2027-03-15", "monday"],
		["2027-12-31", "friday"],
		["2028-02-29", "tuesday"],
	])("weekdayOf(%s) -> %s", (date, weekday) => {
		expect(weekdayOf(date)).toBe(weekday);
	});

	it.each([
		["into the next month", "2027-01-31", 1, "2027-02-01"],
		["end of February, common year", "2027-02-28", 1, "2027-03-01"],
		["onto a leap day", "2028-02-28", 1, "2028-02-29"],
		["off a leap day", "2028-02-29", 1, "2028-03-01"],
		["into the next year", "2027-12-31", 1, "2028-01-01"],
		["back into the previous year", "2028-01-01", -1, "2027-12-31"],
		["back over a common February", "2027-03-01", -1, "2027-02-28"],
		["back onto a leap day", "2028-03-01", -1, "2028-02-29"],
		["a common year", "2027-01-01", 365, "2028-01-01"],
		["a leap year", "2028-01-01", 366, "2029-01-01"],
		["across a DST change", "2027-03-13", 2, "2027-03-15"],
		["zero days", "2027-03-14", 0, "2027-03-14"],
	])("addDays: %s", (_, date, days, expected) => {
		expect(addDays(date, days)).toBe(expected);
		expect(daysBetween(date, expected)).toBe(days);
	});

	it.each([
		["one day", "2027-03-14", "2027-03-14", ["2027-03-14"]],
		["across February", "2028-02-28", "2028-03-01", ["2028-02-28", "2028-02-29", "2028-03-01"]],
		["across a year", "2027-12-31", "2028-01-01", ["2027-12-31", "2028-01-01"]],
		["backwards is empty", "2027-03-15", "2027-03-14", []],
	])("datesInRange: %s", (_, from, to, expected) => {
		expect(datesInRange(from, to)).toEqual(expected);
	});
});

describe("localDateOf and localTimeOf", () => {
	it.each([
		["Kolkata +05:30, last minute", "Asia/Kolkata", "2027-03-14T18:29:00.000Z", "2027-03-14", "23:59"],
		["Kolkata +05:30, midnight", "Asia/Kolkata", "2027-03-14T18:30:00.000Z", "2027-03-15", "00:00"],
		["Kolkata, seconds are cut off", "Asia/Kolkata", "2027-03-14T18:29:59.999Z", "2027-03-14", "23:59"],
		["Kathmandu +05:45, last minute", "Asia/Kathmandu", "2027-03-14T18:14:00.000Z", "2027-03-14", "23:59"],
		["Kathmandu +05:45, midnight", "Asia/Kathmandu", "2027-03-14T18:15:00.000Z", "2027-03-15", "00:00"],
		["St John's -03:30, last minute", "America/St_Johns", "2027-01-10T03:29:00.000Z", "2027-01-09", "23:59"],
		["St John's -03:30, midnight", "America/St_Johns", "2027-01-10T03:30:00.000Z", "2027-01-10", "00:00"],
		["Chatham +12:45, midnight", "Pacific/Chatham", "2027-07-10T11:15:00.000Z", "2027-07-11", "00:00"],
		["Lord Howe +10:30 in July", "Australia/Lord_Howe", "2027-07-10T13:30:00.000Z", "2027-07-11", "00:00"],
		["Lord Howe +11:00 in January", "Australia/Lord_Howe", "2027-01-10T13:00:00.000Z", "2027-01-11", "00:00"],
		["NY fall: first 01:30", "America/New_York", "2027-11-07T05:30:00.000Z", "2027-11-07", "01:30"],
		["NY fall: second 01:30", "America/New_York", "2027-11-07T06:30:00.000Z", "2027-11-07", "01:30"],
	])("%s", (_, tz, instant, date, time) => {
		expect(localDateOf(Date.parse(instant), tz)).toBe(date);
		expect(localTimeOf(Date.parse(instant), tz)).toBe(time);
	});
});

describe("localToInstant", () => {
	it.each([
		["UTC", "UTC", "2027-03-14", "09:00", "2027-03-14T09:00:00.000Z"],
		["Kolkata +05:30", "Asia/Kolkata", "2027-03-14", "09:00", "2027-03-14T03:30:00.000Z"],
		["Kolkata midnight, a UTC day early", "Asia/Kolkata", "2027-03-14", "00:00", "2027-03-13T18:30:00.000Z"],
		["Kolkata 24:00", "Asia/Kolkata", "2027-03-14", "24:00", "2027-03-14T18:30:00.000Z"],
		["Kathmandu +05:45", "Asia/Kathmandu", "2027-03-14", "09:00", "2027-03-14T03:15:00.000Z"],
		["Kathmandu midnight", "Asia/Kathmandu", "2027-03-14", "00:00", "2027-03-13T18:15:00.000Z"],
		["New York in winter (EST)", "America/New_York", "2027-01-15", "09:00", "2027-01-15T14:00:00.000Z"],
		["New York in summer (EDT)", "America/New_York", "2027-03-15", "09:00", "2027-03-15T13:00:00.000Z"],
		// New York springs forward on 2027-03-14 at 02:00 EST (07:00Z) to 03:00 EDT.
		["NY spring: before the gap", "America/New_York", "2027-03-14", "01:59", "2027-03-14T06:59:00.000Z"],
		["NY spring: gap start", "America/New_York", "2027-03-14", "02:00", "2027-03-14T07:00:00.000Z"],
		["NY spring: inside the gap", "America/New_York", "2027-03-14", "02:30", "2027-03-14T07:00:00.000Z"],
		["NY spring: last gap minute", "America/New_York", "2027-03-14", "02:59", "2027-03-14T07:00:00.000Z"],
		["NY spring: gap end", "America/New_York", "2027-03-14", "03:00", "2027-03-14T07:00:00.000Z"],
		["NY spring: after the gap", "America/New_York", "2027-03-14", "03:30", "2027-03-14T07:30:00.000Z"],
		["NY spring: 24:00 (EDT)", "America/New_York", "2027-03-14", "24:00", "2027-03-15T04:00:00.000Z"],
		// New York falls back on 2027-11-07 at 02:00 EDT (06:00Z) to 01:00 EST.
		["NY fall: midnight (EDT)", "America/New_York", "2027-11-07", "00:00", "2027-11-07T04:00:00.000Z"],
		["NY fall: first 01:00 wins", "America/New_York", "2027-11-07", "01:00", "2027-11-07T05:00:00.000Z"],
		["NY fall: first 01:59 wins", "America/New_York", "2027-11-07", "01:59", "2027-11-07T05:59:00.000Z"],
		["NY fall: 02:00 (EST)", "America/New_York", "2027-11-07", "02:00", "2027-11-07T07:00:00.000Z"],
		["NY fall: 24:00 (EST)", "America/New_York", "2027-11-07", "24:00", "2027-11-08T05:00:00.000Z"],
		// Berlin springs forward on 2027-03-28 at 02:00 CET (01:00Z) to 03:00 CEST.
		["Berlin spring: midnight (CET)", "Europe/Berlin", "2027-03-28", "00:00", "2027-03-27T23:00:00.000Z"],
		["Berlin spring: before the gap", "Europe/Berlin", "2027-03-28", "01:59", "2027-03-28T00:59:00.000Z"],
		["Berlin spring: inside the gap", "Europe/Berlin", "2027-03-28", "02:30", "2027-03-28T01:00:00.000Z"],
		["Berlin spring: gap end", "Europe/Berlin", "2027-03-28", "03:00", "2027-03-28T01:00:00.000Z"],
		["Berlin spring: after the gap", "Europe/Berlin", "2027-03-28", "03:30", "2027-03-28T01:30:00.000Z"],
		// Berlin falls back on 2027-10-31 at 03:00 CEST (01:00Z) to 02:00 CET.
		["Berlin fall: midnight (CEST)", "Europe/Berlin", "2027-10-31", "00:00", "2027-10-30T22:00:00.000Z"],
		["Berlin fall: first 02:00 wins", "Europe/Berlin", "2027-10-31", "02:00", "2027-10-31T00:00:00.000Z"],
		["Berlin fall: first 02:30 wins", "Europe/Berlin", "2027-10-31", "02:30", "2027-10-31T00:30:00.000Z"],
		["Berlin fall: 03:00 (CET)", "Europe/Berlin", "2027-10-31", "03:00", "2027-10-31T02:00:00.000Z"],
		// Lord Howe moves 30 minutes: on 2027-10-03 at 02:00 +10:30 (15:30Z the day before) to 02:30 +11:00.
		["Lord Howe spring: midnight", "Australia/Lord_Howe", "2027-10-03", "00:00", "2027-10-02T13:30:00.000Z"],
		["Lord Howe spring: before", "Australia/Lord_Howe", "2027-10-03", "01:59", "2027-10-02T15:29:00.000Z"],
		["Lord Howe spring: gap start", "Australia/Lord_Howe", "2027-10-03", "02:00", "2027-10-02T15:30:00.000Z"],
		["Lord Howe spring: in gap", "Australia/Lord_Howe", "2027-10-03", "02:15", "2027-10-02T15:30:00.000Z"],
		["Lord Howe spring: gap end", "Australia/Lord_Howe", "2027-10-03", "02:30", "2027-10-02T15:30:00.000Z"],
		["Lord Howe spring: after", "Australia/Lord_Howe", "2027-10-03", "03:00", "2027-10-02T16:00:00.000Z"],
		// ...and back on 2027-04-04 at 02:00 +11:00 (15:00Z the day before) to 01:30 +10:30.
		["Lord Howe fall: midnight", "Australia/Lord_Howe", "2027-04-04", "00:00", "2027-04-03T13:00:00.000Z"],
		["Lord Howe fall: before", "Australia/Lord_Howe", "2027-04-04", "01:29", "2027-04-03T14:29:00.000Z"],
		["Lord Howe fall: first 01:30", "Australia/Lord_Howe", "2027-04-04", "01:30", "2027-04-03T14:30:00.000Z"],
		["Lord Howe fall: first 01:45", "Australia/Lord_Howe", "2027-04-04", "01:45", "2027-04-03T14:45:00.000Z"],
		["Lord Howe fall: 02:00", "Australia/Lord_Howe", "2027-04-04", "02:00", "2027-04-03T15:30:00.000Z"],
		// Beirut and Havana change at midnight, so some days have no 00:00.
		["Beirut: missing midnight", "Asia/Beirut", "2027-03-28", "00:00", "2027-03-27T22:00:00.000Z"],
		["Beirut: 00:30 in the gap", "Asia/Beirut", "2027-03-28", "00:30", "2027-03-27T22:00:00.000Z"],
		["Beirut: 01:00 (+03)", "Asia/Beirut", "2027-03-28", "01:00", "2027-03-27T22:00:00.000Z"],
		["Beirut fall: first 23:00", "Asia/Beirut", "2027-10-30", "23:00", "2027-10-30T20:00:00.000Z"],
		["Beirut fall: 24:00", "Asia/Beirut", "2027-10-30", "24:00", "2027-10-30T22:00:00.000Z"],
		["Havana: missing midnight", "America/Havana", "2027-03-14", "00:00", "2027-03-14T05:00:00.000Z"],
		// Samoa skipped 2011-12-30 entirely, jumping from -10:00 to +14:00.
		["Apia: a day that never was", "Pacific/Apia", "2011-12-30", "09:00", "2011-12-30T10:00:00.000Z"],
		["Apia: the day after", "Pacific/Apia", "2011-12-31", "00:00", "2011-12-30T10:00:00.000Z"],
		["Apia: the day before", "Pacific/Apia", "2011-12-29", "23:59", "2011-12-30T09:59:00.000Z"],
	])("%s", (_, tz, date, time, expected) => {
		expect(iso(localToInstant(date, parseTime(time) ?? Number.NaN, tz))).toBe(expected);
	});
});

describe("wallClockAt, cached per zone and minute, agrees with Intl", () => {
	// The reference reads Intl another way: Swedish dates are "YYYY-MM-DD HH:MM:SS".
	const swedish = new Map<string, Intl.DateTimeFormat>();
	const intlWallClock = (instant: number, zone: string) => {
		const format =
			swedish.get(zone) ??
			new Intl.DateTimeFormat("sv-SE", { timeZone: zone, dateStyle: "short", timeStyle: "medium" });
		swedish.set(zone, format);
		return Date.parse(`${format.format(instant).replace(" ", "T")}Z`);
	};
	const offsetOf = (instant: number, zone: string) =>
		intlWallClock(instant, zone) - Math.floor(instant / 1000) * 1000;

	/** Every instant in [from, to) at which the zone's offset changes, to the second. */
	function transitions(zone: string, from: number, to: number): number[] {
		const found: number[] = [];
		const step = 6 * 3600_000;
		for (let at = from; at < to; at += step) {
			if (offsetOf(at, zone) === offsetOf(at + step, zone)) continue;
			let [lo, hi] = [at, at + step];
			while (hi - lo > 1000) {
				const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
				if (offsetOf(mid, zone) === offsetOf(lo, zone)) lo = mid;
				else hi = mid;
			}
			found.push(hi);
		}
		return found;
	}

	/** Instants around a change: whole minutes and seconds on both sides, and the last ms of each second. */
	function around(change: number): number[] {
		const seconds = [-3600, -61, -60, -59, -31, -30, -1, 0, 1, 29, 30, 59, 60, 61, 3600];
		return seconds.flatMap((s) => [change + s * 1000, change + s * 1000 + 999]);
	}

	function expectAgrees(instants: readonly number[], zone: string) {
		// Twice over, so the second pass reads what the first one cached, and again in reverse order, so a
		// minute is first cached from its later seconds.
		for (const instant of [...instants, ...instants, ...[...instants].reverse()])
			expect(iso(wallClockAt(instant, zone)), `${zone} at ${iso(instant)}`).toBe(
				iso(intlWallClock(instant, zone)),
			);
	}

	it.each([
		["America/New_York", 6],
		["Europe/London", 6],
		["Australia/Lord_Howe", 6], // moves 30 minutes
		["Pacific/Chatham", 6], // +12:45 and +13:45
	])("over the DST changes of %s in 2025-2027", (zone, expected) => {
		const changes = transitions(zone, Date.UTC(2025, 0, 1), Date.UTC(2028, 0, 1));
		expect(changes).toHaveLength(expected);
		expectAgrees(changes.flatMap(around), zone);
	});

	it("in Asia/Kolkata, which has no changes since 1970, and across its changes of the 1940s (no cache there)", () => {
		const changes = transitions("Asia/Kolkata", Date.UTC(1941, 0, 1), Date.UTC(1946, 0, 1));
		expect(changes.length).toBeGreaterThan(0);
		const days = Array.from({ length: 40 }, (_, i) => Date.UTC(2027, 0, 1) + i * 9 * 86_400_000 + i * 61_001);
		expectAgrees([...changes.flatMap(around), ...days], "Asia/Kolkata");
	});

	it("inside a minute that holds a change: Liberia's of 1972, at 00:44:30 UTC", () => {
		const changes = transitions("Africa/Monrovia", Date.UTC(1972, 0, 1), Date.UTC(1972, 0, 31));
		expect(changes.map(iso)).toEqual(["1972-01-07T00:44:30.000Z"]);
		expectAgrees(changes.flatMap(around), "Africa/Monrovia");
	});

	it("around 1970, where the cache begins", () => {
		const zero = [-61_000, -60_000, -1, 0, 1, 59_999, 60_000];
		for (const zone of ["America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC"])
			expectAgrees(zero, zone);
	});
});
