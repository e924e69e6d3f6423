// Appointments as iCalendar, read back with ical.js: identities, sequences, statuses and DST-exact times.
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import {
	appointmentsCalendar,
	type CalendarEntry,
	currentSequence,
	eventUid,
	FEED_LOOKBACK_DAYS,
	feedStartsAt,
} from "../../src/core/calendar-ics";
import { localToInstant } from "../../src/core/time";
import { parseCalendar } from "../parse-ics";

const BERLIN = "Europe/Berlin";
// 2027-03-28: Berlin's clocks go from 02:00 CET to 03:00 CEST.
const DST_DAY = "2027-03-28";

function appointment(start: number, end: number, fields: Partial<Appointment> = {}): Appointment {
	return {
		id: "dr-a.2027-03-28.abc123def4560123456789abcdef",
		doctor_id: "dr-a",
		patient_id: "p-1",
		date: DST_DAY,
		time: "09:00",
		start: new Date(start).toISOString(),
		end: new Date(end).toISOString(),
		status: "confirmed",
		consultation_mode: "video",
		reason: "private reason",
		created_at: "2027-03-01T10:00:00.000Z",
		cancelled_at: null,
		...fields,
	};
}

const options = { name: "docslot: my appointments", viewer: "patient" as const, pageUrl: "https://x.test/" };
const entry = (a: Appointment, sequence = 0): CalendarEntry => ({
	appointment: a,
	sequence,
	doctorName: "Dr. Weber",
	timezone: BERLIN,
});

describe("appointmentsCalendar", () => {
	it("writes the DST day's times as exact UTC instants", () => {
		const nine = localToInstant(DST_DAY, 9 * 60, BERLIN);
		expect(new Date(nine).toISOString()).toBe("2027-03-28T07:00:00.000Z");
		// A slot across the gap: 01:30 CET to 03:00 CEST is 30 real minutes.
		const beforeGap = localToInstant(DST_DAY, 90, BERLIN);
		const afterGap = localToInstant(DST_DAY, 180, BERLIN);
		const text = appointmentsCalendar(
			[
				entry(appointment(nine, nine + 30 * 60_000)),
				entry(appointment(beforeGap, afterGap, { id: "dr-a.2027-03-28.second0000000000000000" })),
			],
			options,
		);
		const { name, events } = parseCalendar(text);
		expect(name).toBe("docslot: my appointments");
		expect(events.map((e) => [new Date(e.start).toISOString(), new Date(e.end).toISOString()])).toEqual([
			["2027-03-28T07:00:00.000Z", "2027-03-28T07:30:00.000Z"],
			["2027-03-28T00:30:00.000Z", "2027-03-28T01:00:00.000Z"],
		]);
		expect(events.every((e) => e.utc)).toBe(true);
	});

	it("keeps the appointment's id as UID, the given SEQUENCE, and a cancellation as STATUS:CANCELLED", () => {
		const start = Date.parse("2027-04-01T08:00:00Z");
		const cancelled = appointment(start, start + 1_800_000, {
			status: "cancelled",
			cancelled_at: "2027-03-02T10:00:00.000Z",
		});
		const [event] = parseCalendar(appointmentsCalendar([entry(cancelled, 1)], options)).events;
		expect(event).toMatchObject({ uid: eventUid(cancelled.id), sequence: 1, status: "CANCELLED" });
		expect(event?.summary).toBe("Appointment with Dr. Weber");
	});

	it("names no patient and carries no reason in a doctor's calendar", () => {
		const start = Date.parse("2027-04-01T08:00:00Z");
		const text = appointmentsCalendar([entry(appointment(start, start + 1_800_000))], {
			...options,
			viewer: "doctor",
		});
		expect(parseCalendar(text).events[0]?.summary).toBe("Patient appointment (Video call)");
		expect(text).not.toContain("private reason");
		expect(text).not.toContain("p-1");
	});

	it("serves an empty calendar when there is nothing to serve", () => {
		expect(parseCalendar(appointmentsCalendar([], options)).events).toEqual([]);
	});
});

describe("currentSequence", () => {
	it.each([
		["not projected yet, confirmed", "confirmed", null, 0],
		["not projected yet, cancelled", "cancelled", null, 1],
		["projected and current", "cancelled", { sequence: 1, status: "cancelled" }, 1],
		["projection one change behind", "cancelled", { sequence: 0, status: "confirmed" }, 1],
	] as const)("%s", (_, status, projected, expected) => {
		expect(currentSequence({ status }, projected)).toBe(expected);
	});
});

it("feeds start 90 days back", () => {
	expect(FEED_LOOKBACK_DAYS).toBe(90);
	expect(feedStartsAt(Date.parse("2027-06-30T12:00:00Z"))).toBe("2027-04-01T12:00:00.000Z");
});
