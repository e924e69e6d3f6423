// Which visit types a patient can start at each slot: a table of days, then agreement with decideBooking
// (what the day would answer a patient booking that type there) over random days.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BookedCounts, decideBooking, type HeldCounts, slotViews } from "../../src/core/booking";
import type { DayConfig } from "../../src/core/day-config";
import { sameVisitTypes, visitTypeViews, withVisitTypes } from "../../src/core/visit-types";
import { dayConfig, ms, NOW } from "./day-fixtures";

const TYPES = [
	{ id: "long", name: "Long consultation", slots: 2 },
	{ id: "full", name: "Full check-up", slots: 3 },
];

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({
		doctorId: "dr-types",
		ranges: [{ start: "09:00", end: "11:00" }],
		appointmentTypes: TYPES,
		...overrides,
	});

/** "09:00 long full" for every slot: its time and the types that can start there. */
function startsOf(day: DayConfig, booked: BookedCounts = new Map(), held?: HeldCounts, now = NOW): string[] {
	return withVisitTypes(day, slotViews(day, booked, now, held)).map((s) =>
		[s.time, ...(s.types ?? [])].join(" "),
	);
}

describe("withVisitTypes marks the starts each type can take", () => {
	it.each<[string, DayConfig, BookedCounts, string[]]>([
		[
			"a free range: a type fits wherever its slots stay inside the range",
			config(),
			new Map(),
			["09:00 long full", "09:30 long full", "10:00 long", "10:30"],
		],
		[
			"a booked slot stops every visit that would take it",
			config(),
			new Map([[ms("10:00"), 1]]),
			["09:00 long", "09:30", "10:00", "10:30"],
		],
		[
			"a visit never crosses into the next range, even one that touches",
			config({
				ranges: [
					{ start: "09:00", end: "10:00" },
					{ start: "10:00", end: "11:00" },
				],
			}),
			new Map(),
			["09:00 long", "09:30", "10:00 long", "10:30"],
		],
		[
			"a block in the buffer between two slots stops a visit over both, not the slots",
			config({
				bufferMinutes: 10,
				ranges: [{ start: "09:00", end: "11:00" }],
				blocks: [{ id: "b", start: "09:31", end: "09:39", reason: null }],
			}),
			new Map(),
			["09:00", "09:40 long", "10:20"],
		],
		[
			"a blocked slot is unavailable, so no visit starts over it",
			config({ blocks: [{ id: "b", start: "09:30", end: "10:00", reason: null }] }),
			new Map(),
			["09:00", "09:30", "10:00 long", "10:30"],
		],
		[
			"reserved places count as taken for patients",
			config({ capacity: 2, reservedPlaces: 1 }),
			new Map([[ms("09:30"), 1]]),
			["09:00", "09:30", "10:00 long", "10:30"],
		],
	])("%s", (_name, day, booked, expected) => {
		expect(startsOf(day, booked)).toEqual(expected);
	});

	it("a held slot stops visits over it; the notice stops visits starting inside it", () => {
		const held: HeldCounts = new Map([[ms("10:30"), { count: 1, until: NOW + 60_000 }]]);
		expect(startsOf(config(), new Map(), held)).toEqual(["09:00 long full", "09:30 long", "10:00", "10:30"]);
		const late = config({ minNoticeMinutes: 45 });
		expect(startsOf(late, new Map(), undefined, ms("08:30"))).toEqual([
			"09:00",
			"09:30 long full",
			"10:00 long",
			"10:30",
		]);
	});

	it("a DST day: the New York spring-forward range keeps its real slots, and a visit spans real time", () => {
		const day = config({
			date: "2027-03-14",
			timezone: "America/New_York",
			ranges: [{ start: "01:00", end: "04:00" }],
			slotMinutes: 60,
		});
		// 01:00, then 03:00 (02:00 does not exist); the range really lasts two hours.
		expect(startsOf(day)).toEqual(["01:00 long", "03:00"]);
	});

	it("a day without types keeps its views as they are", () => {
		const day = config({ appointmentTypes: [] });
		const views = slotViews(day, new Map(), NOW);
		expect(withVisitTypes(day, views)).toEqual(views);
		expect(views[0]).not.toHaveProperty("types");
	});

	it("agrees with decideBooking: a type is marked at a start exactly when a patient could book it there", () => {
		const slot = fc.constantFrom("09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "11:20");
		fc.assert(
			fc.property(
				fc.record({
					booked: fc.array(fc.tuple(slot, fc.integer({ min: 0, max: 2 })), { maxLength: 6 }),
					held: fc.array(slot, { maxLength: 3 }),
					blocks: fc.array(fc.tuple(fc.integer({ min: 540, max: 700 }), fc.integer({ min: 1, max: 40 })), {
						maxLength: 2,
					}),
					buffer: fc.constantFrom(0, 5),
					capacity: fc.integer({ min: 1, max: 2 }),
					reserved: fc.integer({ min: 0, max: 1 }),
				}),
				({ booked, held, blocks, buffer, capacity, reserved }) => {
					const day = config({
						slotMinutes: 15,
						bufferMinutes: buffer,
						capacity,
						reservedPlaces: reserved,
						ranges: [
							{ start: "09:00", end: "10:20" },
							{ start: "10:20", end: "11:40" },
						],
						blocks: blocks.map(([from, length], i) => ({
							id: `b${i}`,
							start: clock(from),
							end: clock(from + length),
							reason: null,
						})),
					});
					const counts: BookedCounts = new Map(booked.map(([time, n]) => [ms(time), n]));
					const holds: HeldCounts = new Map(held.map((time) => [ms(time), { count: 1, until: NOW + 1 }]));
					const views = withVisitTypes(day, slotViews(day, counts, NOW, holds));
					for (const view of views) {
						for (const type of TYPES) {
							const decision = decideBooking(day, Date.parse(view.start), NOW, counts, false, holds, {
								slots: type.slots,
							});
							expect(view.types?.includes(type.id), `${view.time} ${type.id}`).toBe(decision.ok);
						}
					}
				},
			),
			{ numRuns: 100 },
		);
	});
});

describe("visitTypeViews", () => {
	it("says each type's length, buffers between its slots included", () => {
		expect(visitTypeViews(config({ bufferMinutes: 10 }))).toEqual([
			{ id: "long", name: "Long consultation", slots: 2, minutes: 70 },
			{ id: "full", name: "Full check-up", slots: 3, minutes: 110 },
		]);
	});

	it("tells a change of the types (or of their length) from none", () => {
		expect(sameVisitTypes(config(), config())).toBe(true);
		expect(sameVisitTypes(config(), config({ slotMinutes: 20 }))).toBe(false);
		expect(sameVisitTypes(config(), config({ appointmentTypes: [] }))).toBe(false);
		expect(sameVisitTypes(null, config({ appointmentTypes: [] }))).toBe(true);
	});
});

function clock(minutes: number): string {
	return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
