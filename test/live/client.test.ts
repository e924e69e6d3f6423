// The browser client's pure parts: applying messages by version, noticing a lost selection, retry delays.
import { describe, expect, it } from "vitest";
import { applyMessage, retryDelay, selectionProblem } from "../../public/live.js";

const slot = (time: string, status = "available", booked = 0) => ({
	start: `2027-03-15T${time}:00.000Z`,
	end: `2027-03-15T${time}:30.000Z`,
	time,
	capacity: 1,
	booked,
	held: 0,
	remaining: 1 - booked,
	status: status as "available" | "held" | "full" | "unavailable" | "past",
});

const snapshot = {
	type: "snapshot" as const,
	doctor_id: "d",
	date: "2027-03-15",
	timezone: "UTC",
	version: 4,
	total_slots: 2,
	available_count: 2,
	booked_count: 0,
	slots: [slot("09"), slot("10")],
};

const update = (version: number, slots: ReturnType<typeof slot>[], removed: string[] = []) => ({
	type: "update" as const,
	version,
	slots,
	removed,
	total_slots: 2,
	available_count: 1,
	booked_count: 1,
});

describe("applyMessage", () => {
	it("takes a snapshot whole, without its type", () => {
		const { type: _type, ...day } = snapshot;
		expect(applyMessage(null, snapshot)).toEqual(day);
	});

	it("ignores updates before the first snapshot and updates not newer than the day held", () => {
		expect(applyMessage(null, update(5, [slot("09", "full", 1)]))).toBeNull();
		const day = applyMessage(null, snapshot);
		expect(applyMessage(day, update(4, [slot("09", "full", 1)]))).toBe(day);
		expect(applyMessage(day, update(3, [slot("09", "full", 1)]))).toBe(day);
	});

	it("replaces changed slots, drops removed ones, adds new ones in time order", () => {
		const day = applyMessage(null, snapshot);
		const next = applyMessage(day, update(6, [slot("11"), slot("09", "full", 1)], [slot("10").start]));
		expect(next?.version).toBe(6);
		expect(next?.slots.map((s) => [s.time, s.status])).toEqual([
			["09", "full"],
			["11", "available"],
		]);
		expect(next?.booked_count).toBe(1);
	});

	it("keeps the day's visit types until an update brings new ones (an empty list: none any more)", () => {
		const types = [{ id: "long", name: "Long", slots: 2, minutes: 60 }];
		const day = applyMessage(null, { ...snapshot, appointment_types: types });
		const same = applyMessage(day, update(6, [slot("09", "full", 1)]));
		expect(same?.appointment_types).toEqual(types);
		const none = applyMessage(same, { ...update(7, []), appointment_types: [] });
		expect(none?.appointment_types).toEqual([]);
	});
});

describe("selectionProblem", () => {
	const day = applyMessage(null, {
		...snapshot,
		slots: [slot("09", "full", 1), slot("10"), slot("11", "unavailable")],
	});
	it.each([
		["nothing selected", null, null],
		["a free slot", slot("10").start, null],
		["a slot just taken", slot("09").start, "taken"],
		["a slot now blocked", slot("11").start, "unavailable"],
		["a slot that vanished", slot("12").start, "vanished"],
	])("%s", (_name, start, why) => {
		expect(selectionProblem(day, start)).toBe(why);
	});

	it("counts a held slot as taken, unless the page itself holds a place there", () => {
		const heldDay = applyMessage(null, { ...snapshot, slots: [slot("13", "held")] });
		expect(selectionProblem(heldDay, slot("13").start)).toBe("taken");
		expect(selectionProblem(heldDay, slot("13").start, true)).toBeNull();
	});
});

describe("retryDelay", () => {
	it("doubles up to 30 s, with jitter between half and all of the ceiling", () => {
		expect([0, 1, 2, 3].map((n) => retryDelay(n, () => 1))).toEqual([500, 1000, 2000, 4000]);
		expect(retryDelay(3, () => 0)).toBe(2000);
		expect(retryDelay(20, () => 1)).toBe(30_000);
		expect(retryDelay(20, () => 0)).toBe(15_000);
	});
});
