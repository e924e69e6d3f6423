// What a reschedule tells the outside, as pure functions: one appointment.rescheduled webhook event (the new
// appointment, the old one's id), and an email whose .ics adds the new event and cancels the old one.
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import type { DayEvent } from "../../src/core/day-decider";
import { notificationEmail } from "../../src/core/email";
import { decideRelease } from "../../src/core/reschedule";
import { webhookEventOf } from "../../src/core/webhooks";
import { parseCalendar } from "../parse-ics";

const NOW = Date.parse("2027-03-10T12:00:00.000Z");
const patient: Actor = { userId: "p1", role: "patient", doctorId: null };
const old: Appointment = {
	id: "dr-a.2027-03-15.old00001",
	doctor_id: "dr-a",
	patient_id: "p1",
	date: "2027-03-15",
	time: "09:00",
	start: "2027-03-15T09:00:00.000Z",
	end: "2027-03-15T09:30:00.000Z",
	status: "confirmed",
	consultation_mode: "video",
	reason: "cough",
	created_at: "2027-03-09T12:00:00.000Z",
	cancelled_at: null,
	history: [{ status: "confirmed", at: "2027-03-09T12:00:00.000Z", by: "p1" }],
};
/** The new appointment, as its day books it: `rescheduled_from` names the old one. */
const moveTo = (doctorId: string, date: string, time: string): Appointment => ({
	...old,
	id: `${doctorId}.${date}.new00001`,
	doctor_id: doctorId,
	date,
	time,
	start: `${date}T${time}:00.000Z`,
	end: `${date}T${time.slice(0, 2)}:30:00.000Z`,
	created_at: new Date(NOW).toISOString(),
	history: [{ status: "confirmed", at: new Date(NOW).toISOString(), by: "p1" }],
	rescheduled_from: old.id,
});
/** A reschedule's day events: the new appointment's booking, then the old one's move to `rescheduled`. */
function rescheduleEvents(to: Appointment): DayEvent[] {
	return [
		{ type: "appointment.booked", appointment: to, booked_by: "p1" },
		...decideRelease(old, to, patient, NOW).events,
	];
}

describe("a reschedule's webhook event", () => {
	it("is one appointment.rescheduled on one day: the new appointment, with the old one's id", () => {
		const to = moveTo("dr-a", "2027-03-15", "10:00");
		expect(rescheduleEvents(to).map(webhookEventOf)).toEqual([
			{
				type: "appointment.rescheduled",
				appointment: to,
				previous: old.id,
				doctorIds: ["dr-a"],
				createdAt: new Date(NOW).toISOString(),
			},
			null,
		]);
	});

	it("to another doctor, goes to the webhooks of both: the new day's booking sends it, the old day nothing", () => {
		const to = moveTo("dr-b", "2027-03-16", "10:00");
		const [newDay, oldDay] = rescheduleEvents(to);
		expect(newDay && webhookEventOf(newDay)).toMatchObject({
			type: "appointment.rescheduled",
			previous: old.id,
			doctorIds: ["dr-b", "dr-a"],
		});
		expect(oldDay && webhookEventOf(oldDay)).toBeNull();
	});

	it.each([
		["a booking", { type: "appointment.booked", appointment: old, booked_by: "p1" }, "appointment.booked"],
		[
			"a cancellation",
			{
				type: "appointment.cancelled",
				appointment: { ...old, status: "cancelled" },
				cancelled_by: "patient",
			},
			"appointment.cancelled",
		],
		[
			"a doctor's confirmation",
			{ type: "appointment.status_changed", appointment: old, from: "pending", changed_by: "doctor" },
			"appointment.status_changed",
		],
	] as [string, DayEvent, string][])("leaves %s as it was", (_name, event, type) => {
		expect(webhookEventOf(event)).toMatchObject({
			type,
			appointment: "appointment" in event ? event.appointment : null,
			doctorIds: ["dr-a"],
		});
		expect(webhookEventOf(event)).not.toHaveProperty("previous");
	});
});

describe("a reschedule's email", () => {
	const to = moveTo("dr-a", "2027-03-15", "10:00");
	const { previous } = decideRelease(old, to, patient, NOW);
	const site = "https://docslot.test";

	it("carries an .ics: the new event, and the old one cancelled under its own UID with a higher SEQUENCE", () => {
		const email = notificationEmail(
			{ type: "rescheduled", title: "Appointment rescheduled", body: "…" },
			{
				siteUrl: site,
				calendar: {
					appointment: to,
					doctorName: "Dr Ada",
					replaces: { appointment: previous, doctorName: "Dr Ada" },
				},
			},
		);
		const { events } = parseCalendar(email.ics ?? "");
		expect(events.map((e) => [e.uid, e.status, e.sequence, e.start, e.summary])).toEqual([
			[`${to.id}@docslot`, "CONFIRMED", 0, Date.parse(to.start), "Appointment with Dr Ada"],
			[`${old.id}@docslot`, "CANCELLED", 1, Date.parse(old.start), "Appointment with Dr Ada"],
		]);
	});

	it("has no .ics for a cancellation", () => {
		const email = notificationEmail(
			{ type: "cancelled", title: "Appointment cancelled", body: "…" },
			{ siteUrl: site, calendar: { appointment: old, doctorName: "Dr Ada" } },
		);
		expect(email.ics).toBeNull();
	});
});
