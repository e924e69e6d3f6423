// Which slots a live update carries: every slot whose view changed, held and remaining included.
import { describe, expect, it } from "vitest";
import type { SlotView } from "../../src/core/booking";
import { diffSlots } from "../../src/core/slot-diff";

const slot = (overrides: Partial<SlotView> = {}): SlotView => ({
	start: "2027-03-15T09:00:00.000Z",
	end: "2027-03-15T09:30:00.000Z",
	time: "09:00",
	capacity: 3,
	booked: 0,
	held: 0,
	remaining: 3,
	status: "available",
	...overrides,
});

describe("diffSlots", () => {
	it.each([
		["nothing changed", {}, {}, false],
		["a booking", {}, { booked: 1, remaining: 2 }, true],
		["a hold with places left (the status stays available)", {}, { held: 1, remaining: 2 }, true],
		["a hold expired with places left", { held: 1, remaining: 2 }, {}, true],
		["only remaining (a reserved place)", {}, { remaining: 2 }, true],
		["the status", {}, { status: "past" as const }, true],
		["the capacity", {}, { capacity: 4 }, true],
	])("%s", (_name, before, after, changed) => {
		const diff = diffSlots([slot(before)], [slot(after)]);
		expect(diff.changed).toEqual(changed ? [slot(after)] : []);
		expect(diff.removed).toEqual([]);
	});

	it("lists removed slots and new ones", () => {
		const later = slot({ start: "2027-03-15T09:30:00.000Z", end: "2027-03-15T10:00:00.000Z", time: "09:30" });
		expect(diffSlots([slot()], [later])).toEqual({ changed: [later], removed: [slot().start] });
	});
});
