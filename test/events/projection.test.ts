// The D1 projection counts each appointment's changes (iCalendar's SEQUENCE): a newer day version is one
// more, a repeated or late delivery is none.
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import type { DayEvent } from "../../src/core/day-decider";
import type { DayFacts } from "../../src/events/consumers";
import { projectionConsumer } from "../../src/events/projection";
import { unique } from "../helpers";

const facts = (): DayFacts => ({ doctorId: "dr-p", date: "2027-03-15", version: 0, booked: [] });

function deliver(dayVersion: number, event: DayEvent) {
	return projectionConsumer.deliver(env, [{ seq: dayVersion, dayVersion, event, attempts: 0 }], facts);
}

async function row(id: string) {
	return env.DB.prepare("SELECT status, sequence FROM appointments WHERE id = ?").bind(id).first();
}

it("counts one change per newer day version, none for repeated or late deliveries", async () => {
	const appointment: Appointment = {
		id: `dr-p.2027-03-15.${unique("a").replace(/[^a-z0-9]/g, "")}`,
		doctor_id: "dr-p",
		patient_id: "p-1",
		date: "2027-03-15",
		time: "09:00",
		start: "2027-03-15T09:00:00.000Z",
		end: "2027-03-15T09:30:00.000Z",
		status: "confirmed",
		consultation_mode: "in_person",
		reason: null,
		created_at: "2027-03-01T00:00:00.000Z",
		cancelled_at: null,
	};
	const booked: DayEvent = { type: "appointment.booked", appointment, booked_by: "p-1" };
	const cancelled: DayEvent = {
		type: "appointment.cancelled",
		appointment: { ...appointment, status: "cancelled", cancelled_at: "2027-03-02T00:00:00.000Z" },
		cancelled_by: "patient",
	};
	await deliver(3, booked);
	await deliver(3, booked);
	expect(await row(appointment.id)).toEqual({ status: "confirmed", sequence: 0 });
	await deliver(5, cancelled);
	await deliver(5, cancelled);
	expect(await row(appointment.id)).toEqual({ status: "cancelled", sequence: 1 });
	await deliver(3, booked);
	expect(await row(appointment.id)).toEqual({ status: "cancelled", sequence: 1 });
});
