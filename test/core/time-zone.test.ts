// Time zone names: every spelling of a zone is stored one way, and what is not a place is refused.
import { describe, expect, it } from "vitest";
import { canonicalTimeZone, RENAMED_ZONES } from "../../src/core/time-zone";

const resolved = (zone: string) =>
	new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;

describe("canonicalTimeZone", () => {
	it.each<[string, string | null]>([
		["us/eastern", "America/New_York"],
		["US/Eastern", "America/New_York"],
		["america/new_york", "America/New_York"],
		["AMERICA/NEW_YORK", "America/New_York"],
		["America/New_York", "America/New_York"],
		["etc/gmt+5", "Etc/GMT+5"],
		["Etc/GMT+5", "Etc/GMT+5"],
		["utc", "UTC"],
		["UTC", "UTC"],
		["Etc/UTC", "UTC"],
		["etc/gmt", "UTC"],
		["Europe/Kyiv", "Europe/Kyiv"],
		["Europe/Kiev", "Europe/Kyiv"],
		["europe/kiev", "Europe/Kyiv"],
		["Europe/Zaporozhye", "Europe/Kyiv"],
		["Asia/Kolkata", "Asia/Kolkata"],
		["Asia/Calcutta", "Asia/Kolkata"],
		["America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
		["Asia/Kathmandu", "Asia/Kathmandu"],
		["Australia/Lord_Howe", "Australia/Lord_Howe"],
		["", null],
		["Mars/Olympus", null],
		["Etc/GMT+13", null],
		["+05:00", null],
		// Intl knows these, but they are abbreviations, not places.
		["EST", null],
		["est5edt", null],
		["GMT", null],
		["Zulu", null],
		[" UTC", null],
		["Europe/Berlin ", null],
		["Europe/Kyïv", null],
		["Amer\u0131ca/New_York", null],
		[`Europe/${"x".repeat(100)}`, null],
	])("%j -> %j", (spelling, stored) => {
		expect(canonicalTimeZone(spelling)).toBe(stored);
	});

	it("stores every zone Intl lists under a name Intl takes for the same zone", () => {
		for (const zone of Intl.supportedValuesOf("timeZone")) {
			const stored = canonicalTimeZone(zone);
			expect(stored, zone).not.toBeNull();
			expect(resolved(stored as string), zone).toBe(resolved(zone));
			expect(canonicalTimeZone(stored as string), zone).toBe(stored);
			expect(canonicalTimeZone(zone.toLowerCase()), zone).toBe(stored);
		}
	});

	it.each([...RENAMED_ZONES])(
		"renames %s to %s only because Intl takes them for one zone",
		(old, current) => {
			expect(resolved(current)).toBe(resolved(old));
			expect(canonicalTimeZone(old)).toBe(current);
		},
	);
});
