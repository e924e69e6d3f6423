// A delivery run starts once the runtime has had a turn at its network, so the requests and answers waiting
// there go before the work that follows answers, and every change committed before it goes in one batch.
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

it("starts a run after the runtime's next turn, with every change committed before it in one batch", async () => {
	const stub = doctorDay(env, unique("delivery"), "2030-01-01");
	await runInDurableObject(stub, async (_instance, state) => {
		state.storage.transactionSync(() => migrate(state.storage.sql, DAY_SCHEMA));
		const store = new DayStore(state.storage);
		const batches: number[][] = [];
		const recorder: DayEventConsumer = {
			name: "projection",
			deliver: async (_env, batch) => {
				batches.push(batch.map((e) => e.seq));
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
		await Promise.resolve();
		expect(batches).toEqual([]);
		await Promise.all([first, second]);
		expect(batches).toEqual([[1, 2]]);
		commit(3);
		await delivery.run();
		expect(batches).toEqual([[1, 2], [3]]);
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
