// Consultation rooms hear of a doctor-day's events: an appointment that gave up its place while its room is
// open (cancelled, declined, rescheduled) closes the room, which tells whoever is in it and takes no one else.

import { roomEndedBy } from "../core/room";
import { hop } from "../lib/hops";
import { roomObject } from "../room/stub";
import type { DayEventConsumer } from "./consumers";

export const roomsConsumer: DayEventConsumer = {
	name: "rooms",
	async deliver(env, batch) {
		const now = Date.now();
		const ended = batch.flatMap(({ event }) => {
			const appointment = roomEndedBy(event, now);
			return appointment === null ? [] : [appointment];
		});
		// Idempotent in the room: a batch delivered again closes a closed room.
		await Promise.all(
			ended.map((appointment) => {
				hop(env, "object→object", "after", "rooms.end");
				return roomObject(env, appointment.id).end(appointment.status);
			}),
		);
	},
};
