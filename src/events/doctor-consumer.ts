// The Doctor object hears of every change of its days: it keeps the per-date summary the date picker
// reads, tells the doctor's open tabs of bookings, cancellations and status changes, and delivers the
// doctor's notifications (gathered from all the doctor's days, so one inbox call carries many under load).

import { doctorObject } from "../doctor/stub";
import type { DoctorMessage } from "../doctor-day/live-messages";
import { hop } from "../lib/hops";
import type { DayEventConsumer } from "./consumers";
import { dayNotices } from "./inboxes";

const FEED_EVENTS: Partial<Record<string, "booked" | "cancelled" | "status_changed">> = {
	"appointment.booked": "booked",
	"appointment.cancelled": "cancelled",
	"appointment.status_changed": "status_changed",
};

export const doctorConsumer: DayEventConsumer = {
	name: "doctor",
	async deliver(env, batch, day) {
		// Only bookings, cancellations and status changes move the counts or the feed; other types are ignored.
		const messages: DoctorMessage[] = batch.flatMap(({ event, dayVersion }): DoctorMessage[] => {
			const kind = FEED_EVENTS[event.type];
			if (kind === undefined || !("appointment" in event)) return [];
			return [{ type: "appointment", event: kind, appointment: event.appointment, day_version: dayVersion }];
		});
		const notices = dayNotices(batch, "doctor");
		// A config change the Doctor object made tells it nothing new unless it notifies; holds are the day's own.
		if (messages.length === 0 && notices.length === 0) return;
		const facts = day();
		hop(env, "object→object", "after", "doctor-consumer.deliver");
		await doctorObject(env, facts.doctorId).dayChanged(facts, messages, notices);
	},
};
