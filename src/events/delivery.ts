// Writes a change's events for every consumer, and delivers them after the answer: each consumer on its
// own, batch after batch, one run at a time per object; failures back off and are retried by the alarm.
import type { DayEvent } from "../core/day-decider";
import type { DayStore } from "../doctor-day/day-store";
import { networkTurn, SAFETY_NET_MS, singleFlight } from "../lib/after-answer";
import {
	DAY_EVENT_CONSUMER_NAMES,
	DAY_EVENT_CONSUMERS,
	type DayEventConsumer,
	type DayFacts,
} from "./consumers";

const DELIVER_TIMER = "deliver";
const BATCH = 50;

/** Inside the change's transaction: the events, each consumer's delivery row, and the safety-net timer. */
export function appendDayEvents(
	store: DayStore,
	events: readonly DayEvent[],
	version: number,
	now: number,
): void {
	store.events.append(events, version, DAY_EVENT_CONSUMER_NAMES, now);
	store.timers.atOrBefore(DELIVER_TIMER, now + SAFETY_NET_MS);
}

export interface EventDelivery {
	/** Delivers what is due to every consumer; a call while a consumer's run is going makes it look again. */
	run(): Promise<void>;
}

/** `consumers`: the day's own (tests pass others, named like them). */
export function deliverDayEvents(
	store: DayStore,
	env: Env,
	facts: () => DayFacts,
	consumers: readonly DayEventConsumer[] = DAY_EVENT_CONSUMERS,
): EventDelivery {
	// One lane per consumer, each running on its own, so a slow consumer never holds up another.
	const lanes = consumers.map((consumer) => singleFlight(() => deliverTo(consumer)));

	async function deliverTo(consumer: DayEventConsumer): Promise<void> {
		for (let first = true; ; first = false) {
			if (!first) await networkTurn();
			const batch = store.events.due(consumer.name, Date.now(), BATCH);
			const last = batch.at(-1);
			// Nothing due at once: events still owed are backing off, and the alarm must come back for them.
			if (last === undefined) return first ? wakeForBackoff() : undefined;
			try {
				await consumer.deliver(env, batch, facts);
			} catch (error) {
				store.events.failed(consumer.name, batch, String(error), Date.now());
				console.error(
					JSON.stringify({
						event: "day_event_delivery_failed",
						consumer: consumer.name,
						error: String(error),
					}),
				);
				return wakeForBackoff();
			}
			store.events.delivered(consumer.name, last.seq);
			// A short batch was all that was due (a change committed since runs the lane again); after a
			// retried event, the rest of what it held up follows at once.
			if (batch.length < BATCH && last.attempts === 0) return;
		}
	}

	async function wakeForBackoff(): Promise<void> {
		const next = store.events.nextDue();
		if (next === null) return;
		store.timers.atOrBefore(DELIVER_TIMER, Math.max(next, Date.now()));
		await store.timers.arm();
	}

	// Commits made before the run starts join it.
	let next: Promise<void> | null = null;
	return {
		run() {
			next ??= networkTurn().then(async () => {
				next = null;
				await Promise.all(lanes.map((lane) => lane()));
				// The cursors the lanes moved, written together (a change committed meanwhile may have done it).
				store.events.save();
				// Everything reached every consumer: the safety net has nothing to catch, and an alarm left set
				// would wake the object just to find that out (at 1,000 busy days, hundreds of alarms a second).
				if (store.events.nextDue() === null) {
					store.timers.cancel(DELIVER_TIMER);
					await store.timers.arm();
				}
			});
			return next;
		},
	};
}
