// The event log keeps cursors and recent events in memory so delivery reads nothing; what it answers must
// always be what a fresh log, reading only storage, answers.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DayEvent } from "../../src/core/day-decider";
import { DAY_SCHEMA } from "../../src/doctor-day/day-schema";
import { doctorDay } from "../../src/doctor-day/stub";
import { EventLog, MAX_ATTEMPTS } from "../../src/events/event-log";
import { migrate } from "../../src/lib/storage-migrations";
import { unique } from "../helpers";

const CONSUMERS = ["projection", "doctor", "notifications"];

function onEmptyStorage<T>(work: (storage: DurableObjectStorage) => T): Promise<T> {
	const stub = doctorDay(env, unique("event-log"), "2030-01-01");
	return runInDurableObject(stub, (_instance, state) => {
		state.storage.transactionSync(() => migrate(state.storage.sql, DAY_SCHEMA));
		return work(state.storage);
	});
}

/** Records the first word of every statement but reads, until `stop`. */
function recordWrites(sql: SqlStorage): { writes: string[]; stop: () => void } {
	const writes: string[] = [];
	const exec = sql.exec.bind(sql);
	sql.exec = ((query: string, ...bindings: unknown[]) => {
		if (!query.trimStart().startsWith("SELECT")) writes.push(query.trimStart().split(" ")[0] ?? query);
		return exec(query, ...bindings);
	}) as typeof sql.exec;
	return { writes, stop: () => (sql.exec = exec) };
}

/** What a log answers, for every consumer at `now`. */
function answers(log: EventLog, now: number) {
	return {
		due: CONSUMERS.map((c) => log.due(c, now, 4).map((e) => [e.seq, e.dayVersion, e.attempts, e.event.type])),
		nextDue: log.nextDue(),
		pending: log.pendingCount(),
	};
}

/** A seeded pseudo-random source, so a failure repeats. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

describe("the event log's memory", () => {
	it("answers what storage says after any mix of appends, deliveries, failures and rolled-back appends", async () => {
		const mismatches = await onEmptyStorage((storage) => {
			const log = new EventLog(storage.sql);
			const rng = random(7);
			const found: string[] = [];
			let now = 1_000;
			let version = 0;
			for (let step = 0; step < 400; step++) {
				now += Math.floor(rng() * 3_000);
				const consumer = CONSUMERS[Math.floor(rng() * CONSUMERS.length)] as string;
				const roll = rng();
				if (roll < 0.35) {
					const events = Array.from(
						{ length: 1 + Math.floor(rng() * 3) },
						(): DayEvent => ({ type: "day.config_changed" }) as DayEvent,
					);
					version++;
					log.append(events, version, CONSUMERS, now);
				} else if (roll < 0.45) {
					// A change whose transaction throws after its events were written: storage rolls back, and
					// the owner reloads the log (as DayStore.reload does).
					try {
						storage.transactionSync(() => {
							log.append([{ type: "day.config_changed" } as DayEvent], version + 1, CONSUMERS, now);
							throw new Error("rolled back");
						});
					} catch {
						log.reload();
					}
				} else {
					const batch = log.due(consumer, now, 1 + Math.floor(rng() * 4));
					const last = batch.at(-1);
					if (last === undefined) continue;
					if (rng() < 0.3) log.failed(consumer, batch, "down", now);
					else log.delivered(consumer, last.seq);
				}
				// A delivery run ends about every other step; until then, moved cursors live in memory only.
				const saved = roll < 0.35 || rng() < 0.5;
				if (saved) log.save();
				const stored = new EventLog(storage.sql);
				if (saved) {
					const mine = JSON.stringify(answers(log, now));
					const fresh = JSON.stringify(answers(stored, now));
					if (mine !== fresh) found.push(`step ${step}: ${mine} != ${fresh}`);
				} else if (stored.pendingCount() < log.pendingCount()) {
					// Unsaved, storage may owe more (a crash now means redelivery), never less.
					found.push(`step ${step}: storage owes ${stored.pendingCount()} < ${log.pendingCount()}`);
				}
			}
			return found;
		});
		expect(mismatches).toEqual([]);
	});

	it("drops an event from storage once every consumer has it and that is saved, and not before", async () => {
		const left = await onEmptyStorage((storage) => {
			const log = new EventLog(storage.sql);
			const count = () => storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
			log.append([{ type: "day.config_changed" } as DayEvent], 1, CONSUMERS, 0);
			const counts = [count()];
			for (const consumer of CONSUMERS) {
				log.delivered(consumer, 1);
				log.save();
				counts.push(count());
			}
			return counts;
		});
		expect(left).toEqual([1, 1, 1, 0]);
	});

	it("writes the cursors of a run once, at its save; a crash before it means the events come again", async () => {
		const result = await onEmptyStorage((storage) => {
			const log = new EventLog(storage.sql);
			log.append([{ type: "day.config_changed" } as DayEvent], 1, CONSUMERS, 0);
			const { writes, stop } = recordWrites(storage.sql);
			try {
				for (const consumer of CONSUMERS) log.delivered(consumer, 1);
				const beforeSave = {
					writes: writes.length,
					dueAfterCrash: new EventLog(storage.sql).due("doctor", 0, 50).length,
				};
				log.save();
				return {
					beforeSave,
					afterSave: {
						writes: [...writes],
						dueAfterCrash: new EventLog(storage.sql).due("doctor", 0, 50).length,
					},
				};
			} finally {
				stop();
			}
		});
		expect(result.beforeSave).toEqual({ writes: 0, dueAfterCrash: 1 });
		expect(result.afterSave).toEqual({ writes: ["INSERT", "DELETE"], dueAfterCrash: 0 });
	});

	it("drops events only when the consumer furthest behind moves, not at every save while it backs off", async () => {
		const result = await onEmptyStorage((storage) => {
			const log = new EventLog(storage.sql);
			const [behind, ...others] = CONSUMERS as [string, ...string[]];
			const savesWrote: string[][] = [];
			for (const seq of [1, 2, 3]) {
				log.append([{ type: "day.config_changed" } as DayEvent], seq, CONSUMERS, 0);
				const { writes, stop } = recordWrites(storage.sql);
				for (const consumer of others) log.delivered(consumer, seq);
				if (seq === 3) log.delivered(behind, seq);
				log.save();
				stop();
				savesWrote.push([...writes]);
			}
			const left = storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
			return { savesWrote, left };
		});
		// The first save of a loaded log drops what everyone has, whatever it is; then only a move of the last.
		expect(result.savesWrote).toEqual([["INSERT", "DELETE"], ["INSERT"], ["INSERT", "DELETE"]]);
		expect(result.left).toBe(0);
	});

	it("gives up an event after its attempts, as a dead letter, and moves on", async () => {
		const result = await onEmptyStorage((storage) => {
			const log = new EventLog(storage.sql);
			log.append([{ type: "day.config_changed" } as DayEvent], 1, ["projection"], 0);
			log.append([{ type: "day.config_changed" } as DayEvent], 2, ["projection"], 0);
			let now = 0;
			for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
				now += 60 * 60_000;
				log.failed("projection", log.due("projection", now, 50), "down", now);
			}
			return { next: log.due("projection", now, 50).map((e) => e.seq), dead: log.deadLetters() };
		});
		expect(result.next).toEqual([2]);
		expect(result.dead).toMatchObject([{ consumer: "projection", seq: 1, attempts: MAX_ATTEMPTS }]);
	});
});
