// The Doctor object hears of every change of its days: it keeps the per-date summary the date picker
// reads, and tells the doctor's open tabs of bookings and cancellations.

import { doctorObject } from "../doctor/stub";
import type { DoctorMessage } from "../doctor-day/live-messages";
import { hop } from "../lib/hops";
import type { DayEventConsumer } from "./consumers";

export const doctorConsumer: DayEventConsumer = {
	name: "doctor",
	async deliver(env, batch, day) {
		// Only bookings and cancellations move the doctor's counts and feed; other types are not theirs.
		const messages: DoctorMessage[] = batch.flatMap(({ event, dayVersion }): DoctorMessage[] =>
			// Only bookings and cancellations move the counts or the feed; other types are ignored.
			event.type === "appointment.booked" || event.type === "appointment.cancelled"
				? [
						{
							type: "appointment",
							event: event.type === "appointment.booked" ? "booked" : "cancelled",
							appointment: event.appointment,
							day_version: dayVersion,
						},
					]
				: [],
		);
		// A config change moves no booked count, and the Doctor object made it; holds are the day's own.
		if (messages.length === 0) return;
		const facts = day();
		hop(env, "object→object", "after", "doctor-consumer.deliver");
		await doctorObject(env, facts.doctorId).dayChanged(facts, messages);
	},
};
