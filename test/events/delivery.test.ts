// A delivery run starts without waiting on a timer (a saturated runtime fires timers last, so deliveries
// waited seconds); changes committed in the same task share its batch, and those committed while a batch is
// out go in the next one.
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import type { DayEvent } from "../../src/core/day-decider";
import { DAY_SCHEMA } from "../../src/doctor-day/day-schema";
import { DayStore } from "../../src/doctor-day/day-store";
import { doctorDay } from "../../src/doctor-day/stub";
import { DAY_EVENT_CONSUMER_NAMES, type DayEventConsumer } from "../../src/events/consumers";
import { appendDayEvents, deliverDayEvents } from "../../src/events/delivery";
import { migrate } from "../../src/lib/storage-migrations";
import { unique } from "../helpers";

/** A few microtask turns: enough for a run that starts at once to reach its consumer, never a timer's. */
async function microtasks(): Promise<void> {
	for (let i = 0; i < 10; i++) await Promise.resolve();
}

it("starts a run within microtasks, batching the task's changes, and what comes meanwhile in the next batch", async () => {
	const stub = doctorDay(env, unique("delivery"), "2030-01-01");
	await runInDurableObject(stub, async (_instance, state) => {
		state.storage.transactionSync(() => migrate(state.storage.sql, DAY_SCHEMA));
		const store = new DayStore(state.storage);
		const batches: number[][] = [];
		let release = () => {};
		const recorder: DayEventConsumer = {
			name: "projection",
			deliver: async (_env, batch) => {
				batches.push(batch.map((e) => e.seq));
				await new Promise<void>((resolve) => {
					release = resolve;
				});
			},
		};
		const facts = () => ({ doctorId: "d", date: "2030-01-01", version: 0, booked: [] });
		const delivery = deliverDayEvents(store, env, facts, [recorder]);
		const commit = (version: number) =>
			store.transaction(() =>
				appendDayEvents(store, [{ type: "day.config_changed" } as DayEvent], version, Date.now()),
			);
		commit(1);
		const first = delivery.run();
		commit(2);
		const second = delivery.run();
		expect(batches).toEqual([]);
		await microtasks();
		expect(batches).toEqual([[1, 2]]);

		// Committed while [1, 2] is out: the same run delivers them next, once the consumer answers.
		commit(3);
		commit(4);
		const third = delivery.run();
		await microtasks();
		expect(batches).toEqual([[1, 2]]);
		release();
		await microtasks();
		expect(batches).toEqual([
			[1, 2],
			[3, 4],
		]);
		release();
		await Promise.all([first, second, third]);
		expect(batches).toEqual([
			[1, 2],
			[3, 4],
		]);
	});
});

it("drops the safety-net timer once every consumer has everything, and keeps it while one is owed", async () => {
	const stub = doctorDay(env, unique("delivery"), "2030-01-02");
	await runInDurableObject(stub, async (_instance, state) => {
		state.storage.transactionSync(() => migrate(state.storage.sql, DAY_SCHEMA));
		const store = new DayStore(state.storage);
		let failing = false;
		// Every consumer the events are written for, one of them failing on demand.
		const consumers = DAY_EVENT_CONSUMER_NAMES.map(
			(name): DayEventConsumer => ({
				name,
				deliver: async () => {
					if (failing && name === "projection") throw new Error("consumer down");
				},
			}),
		);
		const facts = () => ({ doctorId: "d", date: "2030-01-02", version: 0, booked: [] });
		const delivery = deliverDayEvents(store, env, facts, consumers);
		const commit = (version: number) => {
			store.transaction(() =>
				appendDayEvents(store, [{ type: "day.config_changed" } as DayEvent], version, Date.now()),
			);
			return store.timers.arm();
		};
		const timerNames = () => store.timers.due(Number.POSITIVE_INFINITY).map((t) => t.name);

		await commit(1);
		expect(timerNames()).toEqual(["deliver"]);
		expect(await state.storage.getAlarm()).not.toBeNull();
		await delivery.run();
		expect(timerNames()).toEqual([]);
		expect(await state.storage.getAlarm()).toBeNull();

		failing = true;
		await commit(2);
		await delivery.run();
		expect(timerNames()).toEqual(["deliver"]);
		expect(await state.storage.getAlarm()).not.toBeNull();
	});
});
