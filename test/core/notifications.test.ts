// Day events → notifications: who hears of what, in which words; reminders: which are set, which are sent.
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import { type DayEvent, decideConfig, decideReminder } from "../../src/core/day-decider";
import {
	describeWhen,
	isNotifiable,
	notificationsFor,
	silentPatientChange,
} from "../../src/core/notifications";
import { remindersToSchedule, shouldSendReminder } from "../../src/core/reminders";
import { APPOINTMENT } from "./day-fixtures";

const appointment = APPOINTMENT;
const doctor = { name: "Dr. Ines Okafor", accountIds: ["u-doc"] };
const START = Date.parse(appointment.start);
const HOUR = 3600_000;

/** recipient → "type: title — body", one line per notification. */
function said(event: DayEvent, context = doctor) {
	return notificationsFor(event, context).map((n) => {
		expect(n.appointment_id).toBe(appointment.id);
		return `${n.recipient} ${n.type}: ${n.title} — ${n.body}`;
	});
}

describe("notificationsFor", () => {
	it("writes dates as the booking page does", () => {
		expect(describeWhen(appointment)).toBe("Mon 15 Mar 2027 at 09:30");
	});

	it.each<[string, string, string[]]>([
		[
			"the patient themself",
			"p1",
			[
				"p1 booked: Appointment booked — With Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30.",
				"u-doc booked: New booking — A patient booked Mon 15 Mar 2027 at 09:30.",
			],
		],
		[
			"the doctor",
			"u-doc",
			[
				"p1 booked: Appointment booked — With Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30. Booked for you by the doctor.",
				"u-doc booked: New booking — You booked Mon 15 Mar 2027 at 09:30.",
			],
		],
		[
			"an admin",
			"admin",
			[
				"p1 booked: Appointment booked — With Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30. Booked for you by the clinic.",
				"u-doc booked: New booking — The clinic booked Mon 15 Mar 2027 at 09:30.",
			],
		],
	])("tells the patient and the doctor of a booking made by %s", (_who, bookedBy, expected) => {
		expect(said({ type: "appointment.booked", appointment, booked_by: bookedBy })).toEqual(expected);
	});

	it.each<["patient" | "doctor" | "admin", string, string]>([
		[
			"patient",
			"You cancelled your appointment with Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30.",
			"The patient cancelled the booking of Mon 15 Mar 2027 at 09:30.",
		],
		[
			"doctor",
			"Dr. Ines Okafor cancelled your appointment, Mon 15 Mar 2027 at 09:30.",
			"You cancelled the booking of Mon 15 Mar 2027 at 09:30.",
		],
		[
			"admin",
			"The clinic cancelled your appointment with Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30.",
			"The clinic cancelled the booking of Mon 15 Mar 2027 at 09:30.",
		],
	])("says who cancelled: the %s", (by, toPatient, toDoctor) => {
		const cancelled = { ...appointment, status: "cancelled" as const };
		expect(said({ type: "appointment.cancelled", appointment: cancelled, cancelled_by: by })).toEqual([
			`p1 cancelled: Appointment cancelled — ${toPatient}`,
			`u-doc cancelled: Booking cancelled — ${toDoctor}`,
		]);
	});

	it("reminds the patient only, in words fit for the time left", () => {
		expect(said({ type: "appointment.reminder", appointment, reminder: "24h" })).toEqual([
			"p1 reminder: Appointment tomorrow — With Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30.",
		]);
		expect(said({ type: "appointment.reminder", appointment, reminder: "1h" })).toEqual([
			"p1 reminder: Appointment in an hour — With Dr. Ines Okafor, Mon 15 Mar 2027 at 09:30.",
		]);
	});

	it("tells both of a booking a schedule change left outside the hours, and nothing of other changes", () => {
		const lines = said({ type: "day.config_changed", config_version: 4, outside_schedule: [appointment] });
		expect(lines).toEqual([
			"p1 outside_schedule: Your appointment is outside the doctor's hours — Dr. Ines Okafor changed their " +
				"hours: your appointment, Mon 15 Mar 2027 at 09:30, is still booked but now falls outside them. " +
				"Contact the clinic, or cancel and book another time.",
			"u-doc outside_schedule: A booking is outside your schedule — The booking of Mon 15 Mar 2027 at 09:30 " +
				"is kept but falls outside your hours now: cancel it or tell the patient.",
		]);
		const plain: DayEvent = { type: "day.config_changed", config_version: 4 };
		expect([isNotifiable(plain), notificationsFor(plain, doctor)]).toEqual([false, []]);
	});

	it("notifies every account of the doctor, and only the patient when the doctor has none", () => {
		const event: DayEvent = { type: "appointment.booked", appointment, booked_by: "p1" };
		const two = notificationsFor(event, { name: null, accountIds: ["u1", "u2"] });
		expect(two.map((n) => [n.audience, n.recipient])).toEqual([
			["patient", "p1"],
			["doctor", "u1"],
			["doctor", "u2"],
		]);
		const none = notificationsFor(event, { name: null, accountIds: [] });
		expect(none.map((n) => [n.recipient, n.body])).toEqual([
			["p1", "With your doctor, Mon 15 Mar 2027 at 09:30."],
		]);
	});

	it("says which events notify which audience: reminders are the patient's alone", () => {
		const reminder: DayEvent = { type: "appointment.reminder", appointment, reminder: "1h" };
		const booked: DayEvent = { type: "appointment.booked", appointment, booked_by: "p1" };
		expect([reminder, booked].map((e) => [isNotifiable(e, "patient"), isNotifiable(e, "doctor")])).toEqual([
			[true, false],
			[true, true],
		]);
		expect(notificationsFor(reminder, doctor).map((n) => n.audience)).toEqual(["patient"]);
	});

	it("ignores event types it does not know", () => {
		const future = { type: "appointment.teleported", appointment } as unknown as DayEvent;
		expect([isNotifiable(future), notificationsFor(future, doctor)]).toEqual([false, []]);
	});
});

describe("silentPatientChange: the visit's steps reach the patient's pages without a notification", () => {
	it.each<[string, DayEvent, boolean]>([
		...(["checked_in", "completed", "no_show"] as const).map((status): [string, DayEvent, boolean] => [
			status,
			{
				type: "appointment.status_changed",
				appointment: { ...appointment, status },
				from: "confirmed",
				changed_by: "doctor",
			},
			true,
		]),
		[
			"confirmed (it notifies)",
			{ type: "appointment.status_changed", appointment, from: "pending", changed_by: "doctor" },
			false,
		],
		["a booking (it notifies)", { type: "appointment.booked", appointment, booked_by: "p1" }, false],
	])("%s", (_name, event, silent) => {
		expect(silentPatientChange(event)).toEqual(silent ? "appointment" in event && event.appointment : null);
		// Never both: a change that notifies reaches the page through its notification.
		if (silent) expect(isNotifiable(event, "patient")).toBe(false);
	});
});

describe("reminders", () => {
	it.each<[string, number, string[]]>([
		["two days ahead: both", START - 48 * HOUR, ["24h", "1h"]],
		["five hours ahead: the hour's only", START - 5 * HOUR, ["1h"]],
		["exactly a day ahead: the hour's only", START - 24 * HOUR, ["1h"]],
		["half an hour ahead: none", START - HOUR / 2, []],
	])("sets, for a booking made %s", (_name, now, kinds) => {
		const set = remindersToSchedule(START, now);
		expect(set.map((r) => r.kind)).toEqual(kinds);
		for (const r of set) expect(r.dueAt).toBe(START - (r.kind === "24h" ? 24 : 1) * HOUR);
	});

	it.each<[string, "24h" | "1h", Partial<Appointment>, number, boolean]>([
		["the day-ahead one on time", "24h", {}, START - 24 * HOUR, true],
		["the hour-ahead one on time", "1h", {}, START - HOUR, true],
		["the day-ahead one late, but before the hour's", "24h", {}, START - 2 * HOUR, true],
		["not the day-ahead one once the hour's is due", "24h", {}, START - HOUR, false],
		["nothing once the appointment began", "1h", {}, START, false],
		["nothing for a cancelled appointment", "1h", { status: "cancelled" }, START - HOUR, false],
	])("sends %s", (_name, kind, change, now, sent) => {
		expect(shouldSendReminder(kind, { ...appointment, ...change }, now)).toBe(sent);
	});

	it("decides the reminder event, or none for a missing or cancelled appointment", () => {
		expect(decideReminder(appointment, "1h", START - HOUR)).toEqual([
			{ type: "appointment.reminder", appointment, reminder: "1h" },
		]);
		expect(decideReminder(null, "1h", START - HOUR)).toEqual([]);
		expect(decideReminder({ ...appointment, status: "cancelled" }, "1h", START - HOUR)).toEqual([]);
	});
});

describe("decideConfig names the bookings a change newly leaves outside the schedule", () => {
	const config: DayConfig = {
		doctorId: "dr-a",
		date: "2027-03-15",
		version: 3,
		timezone: "UTC",
		isAvailable: true,
		isApproved: true,
		slotMinutes: 30,
		capacity: 1,
		horizonDays: 30,
		ranges: [{ start: "09:00", end: "12:00" }],
		blocks: [],
	};
	const booking = { appointment, start: START, end: START + 30 * 60_000 };
	const now = START - 48 * HOUR;
	const morning = { ...config, version: 4, ranges: [{ start: "09:00", end: "09:30" }] };

	it("once: when it leaves, not again at a later edit that keeps it out", () => {
		expect(decideConfig(config, morning, [booking], now)).toEqual([
			{ type: "day.config_changed", config_version: 4, outside_schedule: [appointment] },
		]);
		const later = { ...morning, version: 5, capacity: 2 };
		expect(decideConfig(morning, later, [booking], now)).toEqual([
			{ type: "day.config_changed", config_version: 5 },
		]);
	});

	it("for a block over it too, and never for a booking that has begun", () => {
		const blocked = {
			...config,
			version: 4,
			blocks: [{ id: "b", start: "09:30", end: "10:00", reason: null }],
		};
		expect(decideConfig(config, blocked, [booking], now)[0]).toMatchObject({
			outside_schedule: [appointment],
		});
		expect(decideConfig(config, blocked, [booking], START + 1)).toEqual([
			{ type: "day.config_changed", config_version: 4 },
		]);
	});
});
