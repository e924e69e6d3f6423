// Writes a change's events for every consumer, and delivers them after the answer: each consumer on its
// own, batch after batch, one run at a time per object; failures back off and are retried by the alarm.
import type { DayEvent } from "../core/day-decider";
import type { DayStore } from "../doctor-day/day-store";
import {
	DAY_EVENT_CONSUMER_NAMES,
	DAY_EVENT_CONSUMERS,
	type DayEventConsumer,
	type DayFacts,
} from "./consumers";

const DELIVER_TIMER = "deliver";
/** If the run started after the answer never finishes (eviction, crash), the alarm tries by then. */
const SAFETY_NET_MS = 5_000;
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
	/** Delivers what is due to every consumer; a call during a run makes that run look again. */
	run(): Promise<void>;
}

export function deliverDayEvents(store: DayStore, env: Env, facts: () => DayFacts): EventDelivery {
	let running: Promise<void> | null = null;
	let again = false;

	async function deliverTo(consumer: DayEventConsumer): Promise<void> {
		for (;;) {
			const batch = store.events.due(consumer.name, Date.now(), BATCH);
			if (batch.length === 0) return;
			try {
				await consumer.deliver(env, batch, facts());
				store.events.delivered(
					consumer.name,
					batch.map((item) => item.seq),
				);
			} catch (error) {
				store.events.failed(consumer.name, batch, String(error), Date.now());
				console.error(
					JSON.stringify({
						event: "day_event_delivery_failed",
						consumer: consumer.name,
						error: String(error),
					}),
				);
				return;
			}
		}
	}

	async function runAll(): Promise<void> {
		do {
			again = false;
			await Promise.all(DAY_EVENT_CONSUMERS.map(deliverTo));
		} while (again);
		// Whatever is still owed (backing off) wakes the object when it is due.
		const next = store.events.nextDue();
		if (next !== null) {
			store.timers.at(DELIVER_TIMER, Math.max(next, Date.now()));
			await store.timers.arm();
		}
	}

	return {
		run() {
			if (running !== null) {
				again = true;
				return running;
			}
			running = runAll().finally(() => {
				running = null;
			});
			return running;
		},
	};
}
