// Who hears of a doctor-day's events. Each consumer has its own delivery state in the event log, so a
// slow or failing one never holds up another, nor the answer (delivery starts after it).

import { doctorConsumer } from "./doctor-consumer";
import type { StoredEvent } from "./event-log";
import { notificationsConsumer } from "./notifications";
import { projectionConsumer } from "./projection";
import { roomsConsumer } from "./rooms";
import { webhooksConsumer } from "./webhooks";

/** The day as it stands when a batch is delivered: consumers that keep summaries take the newest. */
export interface DayFacts {
	doctorId: string;
	date: string;
	version: number;
	/** Confirmed places per slot start (epoch ms). */
	booked: [number, number][];
	/** Appointments keeping a place, each once (for `max_per_day`); absent from days before it was sent. */
	bookings?: number;
}

export interface DayEventConsumer {
	readonly name: string;
	/** Idempotent: a batch may be delivered again after a crash or a timeout. `day` reads the day now. */
	deliver(env: Env, batch: readonly StoredEvent[], day: () => DayFacts): Promise<void>;
}

export const DAY_EVENT_CONSUMERS: readonly DayEventConsumer[] = [
	projectionConsumer,
	doctorConsumer,
	notificationsConsumer,
	webhooksConsumer,
	roomsConsumer,
];
export const DAY_EVENT_CONSUMER_NAMES = DAY_EVENT_CONSUMERS.map((c) => c.name);
