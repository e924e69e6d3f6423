// overCapacity: after a capacity change, which confirmed bookings no longer have a place.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { outsideSchedule } from "../../src/core/booking";
import type { DayConfig } from "../../src/core/day-config";
import { overCapacity } from "../../src/core/over-capacity";
import { dayConfig, ms, NOW } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({ doctorId: "dr-test", ranges: [{ start: "09:00", end: "11:00" }], ...overrides });

/** Bookings written "id@HH:MM", in the order they were made. */
const made = (...specs: string[]) =>
	specs.map((spec) => {
		const [id, time] = spec.split("@") as [string, string];
		return { id, start: ms(time), end: ms(time) + 30 * 60_000 };
	});

describe("overCapacity", () => {
	it.each<[string, Partial<DayConfig>, string[], number, string[]]>([
		["nothing booked", {}, [], NOW, []],
		["under capacity", { capacity: 3 }, ["a@09:00", "b@09:00"], NOW, []],
		["exactly at capacity", { capacity: 2 }, ["a@09:00", "b@09:00"], NOW, []],
		["capacity lowered from 3 to 2", { capacity: 2 }, ["a@09:30", "b@09:30", "c@09:30"], NOW, ["c"]],
		["the latest made, not the latest listed time", {}, ["a@10:00", "b@09:00", "c@09:00"], NOW, ["c"]],
		["several over in one slot", {}, ["a@09:00", "b@09:00", "c@09:00", "d@09:00"], NOW, ["b", "c", "d"]],
		[
			"each slot on its own, in booking order",
			{},
			["a@09:00", "b@09:30", "c@09:30", "d@09:00"],
			NOW,
			["c", "d"],
		],
		["a booking where no slot starts counts for nothing", {}, ["x@09:10", "a@09:00", "b@09:10"], NOW, []],
		[
			"a slot the schedule dropped",
			{ ranges: [{ start: "10:00", end: "11:00" }] },
			["a@09:00", "b@09:00"],
			NOW,
			[],
		],
		[
			"a blocked slot",
			{ blocks: [{ id: "blk", start: "09:00", end: "09:30", reason: null }] },
			["a@09:00", "b@09:00", "c@09:30", "d@09:30"],
			NOW,
			["d"],
		],
		["a slot that has started", {}, ["a@09:00", "b@09:00", "c@09:30", "d@09:30"], ms("09:00"), ["d"]],
		["no schedule", { timezone: null }, ["a@09:00", "b@09:00"], NOW, []],
		["a day without ranges", { ranges: [] }, ["a@09:00", "b@09:00"], NOW, []],
		["a day past the horizon still has its places", { horizonDays: 1 }, ["a@09:00", "b@09:00"], NOW, ["b"]],
	])("%s", (_name, overrides, specs, now, over) => {
		const bookings = Object.freeze(made(...specs));
		expect(overCapacity(config(overrides), bookings, now).map((b) => b.id)).toEqual(over);
	});

	it("never lists a booking outsideSchedule lists", () => {
		const day = config({ ranges: [{ start: "09:30", end: "11:00" }] });
		const bookings = made("a@09:00", "b@09:00", "c@09:30", "d@09:30");
		const outside = outsideSchedule(day, bookings, NOW).map((b) => b.id);
		expect(outside).toEqual(["a", "b"]);
		expect(overCapacity(day, bookings, NOW).map((b) => b.id)).toEqual(["d"]);
	});

	it("keeps exactly min(booked, capacity) places per slot, for the earliest made", () => {
		const slot = fc.constantFrom("09:00", "09:30", "10:00", "10:30");
		fc.assert(
			fc.property(fc.array(slot, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (times, capacity) => {
				const bookings = made(...times.map((time, i) => `b${i}@${time}`));
				const over = new Set(overCapacity(config({ capacity }), bookings, NOW));
				for (const time of new Set(times)) {
					const inSlot = bookings.filter((b) => b.start === ms(time));
					const kept = inSlot.filter((b) => !over.has(b));
					expect(kept).toEqual(inSlot.slice(0, Math.min(inSlot.length, capacity)));
				}
			}),
		);
	});
});
