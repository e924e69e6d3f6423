// Repeating series decided as pure functions (time injected): the occurrence starts in the doctor's zone
// (DST weeks included), whether a series may begin, the outcome of a round, and what a cancel ends.
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import type { DoctorRoute } from "../../src/core/day-window";
import type { AppointmentStatus } from "../../src/core/lifecycle";
import {
	decideRound,
	decideSeriesStart,
	occurrenceKey,
	occurrences,
	rebookWithoutHold,
	remainingToCancel,
	type SeriesRecord,
	type SeriesRequest,
} from "../../src/core/series";

const NOW = Date.parse("2027-03-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

describe("occurrences", () => {
	const cases: [string, string, number, number, string, string[]][] = [
		[
			"weekly in UTC",
			"2027-03-02T09:00:00.000Z",
			1,
			3,
			"UTC",
			["2027-03-02T09:00:00.000Z", "2027-03-09T09:00:00.000Z", "2027-03-16T09:00:00.000Z"],
		],
		[
			"every 4 weeks across a month end",
			"2027-01-20T09:00:00.000Z",
			4,
			2,
			"UTC",
			["2027-01-20T09:00:00.000Z", "2027-02-17T09:00:00.000Z"],
		],
		[
			// US spring-forward on 2027-03-14: 09:00 local stays 09:00, so UTC moves from 14:00 to 13:00.
			"weekly across spring-forward in New York",
			"2027-03-08T14:00:00.000Z",
			1,
			3,
			"America/New_York",
			["2027-03-08T14:00:00.000Z", "2027-03-15T13:00:00.000Z", "2027-03-22T13:00:00.000Z"],
		],
		[
			// EU fall-back on 2027-10-31: 10:00 in Berlin is 08:00 UTC before, 09:00 UTC after.
			"every 2 weeks across fall-back in Berlin",
			"2027-10-25T08:00:00.000Z",
			2,
			2,
			"Europe/Berlin",
			["2027-10-25T08:00:00.000Z", "2027-11-08T09:00:00.000Z"],
		],
		[
			// 23:30 in Auckland is the previous day in UTC: the local date is what moves a week.
			"late evening east of UTC",
			"2027-06-01T11:30:00.000Z",
			1,
			2,
			"Pacific/Auckland",
			["2027-06-01T11:30:00.000Z", "2027-06-08T11:30:00.000Z"],
		],
	];
	it.each(cases)("%s", (_name, start, every, count, zone, expected) => {
		const found = occurrences(Date.parse(start), every, count, zone);
		expect(found.map((o) => iso(o.start))).toEqual(expected);
	});

	it("names each occurrence's doctor-local date", () => {
		const found = occurrences(Date.parse("2027-06-01T11:30:00.000Z"), 1, 2, "Pacific/Auckland");
		expect(found.map((o) => o.date)).toEqual(["2027-06-01", "2027-06-08"]);
	});

	it("gives a time a spring-forward gap skips as the gap's end (no slot starts there, so it conflicts)", () => {
		// 02:30 in New York does not exist on 2027-03-14; the gap ends at 03:00 EDT (07:00 UTC).
		const found = occurrences(Date.parse("2027-03-07T07:30:00.000Z"), 1, 2, "America/New_York");
		expect(iso(found[1]?.start ?? 0)).toBe("2027-03-14T07:00:00.000Z");
	});
});

describe("decideSeriesStart", () => {
	const route: DoctorRoute = {
		doctorId: "dr-a",
		timezone: "UTC",
		horizonDays: 60,
		isApproved: true,
		isAvailable: true,
	};
	const actor: Actor = { userId: "p1", role: "patient", doctorId: null };
	const request: SeriesRequest = {
		doctorId: "dr-a",
		patientId: "p1",
		start: Date.parse("2027-03-02T09:00:00.000Z"),
		everyWeeks: 1,
		count: 4,
		consultationMode: "in_person",
		reason: null,
	};
	const stored: SeriesRecord = {
		...request,
		id: "s1",
		actor,
		idempotencyKey: "k1",
		phase: "holding",
		occurrences: [],
		conflicts: [],
		startedAt: NOW,
	};
	const cases: [string, DoctorRoute, SeriesRecord | null, Partial<SeriesRequest>, string][] = [
		["a new series inside the window begins", route, null, {}, "begin"],
		["a retry with the key resumes the stored series", route, stored, {}, "resume"],
		["the key on another request is refused", route, stored, { count: 5 }, "IDEMPOTENCY_KEY_REUSED"],
		["a start that has passed is refused", route, null, { start: NOW }, "SLOT_IN_PAST"],
		["a doctor not taking bookings", { ...route, isAvailable: false }, null, {}, "DOCTOR_UNAVAILABLE"],
		["a doctor with no schedule", { ...route, timezone: null }, null, {}, "DOCTOR_UNAVAILABLE"],
		["occurrences beyond the horizon are conflicts", { ...route, horizonDays: 10 }, null, {}, "outside"],
	];
	it.each(cases)("%s", (_name, r, keyed, change, expected) => {
		const decision = decideSeriesStart(r, keyed, { ...request, ...change }, NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(expected);
	});

	it("lists exactly the occurrences beyond the horizon, with DAY_UNAVAILABLE", () => {
		const decision = decideSeriesStart({ ...route, horizonDays: 10 }, null, request, NOW);
		expect(decision).toEqual({
			kind: "outside",
			conflicts: [
				{ start: "2027-03-16T09:00:00.000Z", date: "2027-03-16", code: "DAY_UNAVAILABLE" },
				{ start: "2027-03-23T09:00:00.000Z", date: "2027-03-23", code: "DAY_UNAVAILABLE" },
			],
		});
	});

	it("begins with every occurrence, one per week", () => {
		const decision = decideSeriesStart(route, null, request, NOW);
		if (decision.kind !== "begin") throw new Error(decision.kind);
		expect(decision.occurrences.map((o) => o.date)).toEqual([
			"2027-03-02",
			"2027-03-09",
			"2027-03-16",
			"2027-03-23",
		]);
	});
});

describe("decideRound", () => {
	const series = {
		occurrences: occurrences(Date.parse("2027-03-02T09:00:00.000Z"), 1, 5, "UTC").map((o) => ({
			...o,
			holdId: "h",
			appointmentId: null,
		})),
	};
	const ok = { ok: true } as const;
	it("succeeds only when every occurrence did", () => {
		expect(decideRound(series, [ok, ok, ok, ok, ok])).toEqual({ kind: "all" });
	});
	it("lists each refused occurrence with its code, in order", () => {
		const outcome = decideRound(series, [
			ok,
			ok,
			{ ok: false, code: "SLOT_FULL" },
			ok,
			{ ok: false, code: "TOO_LATE_TO_BOOK" },
		]);
		expect(outcome).toEqual({
			kind: "conflicts",
			conflicts: [
				{ start: "2027-03-16T09:00:00.000Z", date: "2027-03-16", code: "SLOT_FULL" },
				{ start: "2027-03-30T09:00:00.000Z", date: "2027-03-30", code: "TOO_LATE_TO_BOOK" },
			],
		});
	});
});

describe("confirming", () => {
	it.each([
		["HOLD_EXPIRED", true],
		["SLOT_FULL", false],
		["SLOT_HELD", false],
	])("a confirm refused with %s is tried as a plain booking: %s", (code, expected) => {
		expect(rebookWithoutHold(code)).toBe(expected);
	});
	it("keys each occurrence's booking by the series and its position", () => {
		expect(occurrenceKey("dr-a.s1", 0)).not.toBe(occurrenceKey("dr-a.s1", 1));
		expect(occurrenceKey("dr-a.s1", 2)).toBe(occurrenceKey("dr-a.s1", 2));
	});
});

describe("remainingToCancel", () => {
	const appointment = (start: string, status: AppointmentStatus) =>
		({ id: `${start}-${status}`, start, status }) as Appointment;
	const cases: [string, string, AppointmentStatus, boolean][] = [
		["a confirmed one to come", "2027-03-02T09:00:00.000Z", "confirmed", true],
		["a pending one to come", "2027-03-02T09:00:00.000Z", "pending", true],
		["one already cancelled", "2027-03-02T09:00:00.000Z", "cancelled", false],
		["one that has passed", "2027-02-20T09:00:00.000Z", "confirmed", false],
		["one that starts now", iso(NOW), "confirmed", false],
	];
	it.each(cases)("%s: %s", (_name, start, status, expected) => {
		expect(remainingToCancel([appointment(start, status)], NOW).length).toBe(expected ? 1 : 0);
	});
});
