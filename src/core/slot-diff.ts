// What changed between two views of a day, so live watchers get only the slots that moved.
import type { SlotView } from "./booking";

export interface SlotDiff {
	changed: SlotView[]; // new or different slots, in time order
	removed: string[]; // starts of slots that no longer exist
}

export function diffSlots(before: readonly SlotView[], after: readonly SlotView[]): SlotDiff {
	const old = new Map(before.map((slot) => [slot.start, slot]));
	const changed = after.filter((slot) => !sameSlot(old.get(slot.start), slot));
	const current = new Set(after.map((slot) => slot.start));
	const removed = before.filter((slot) => !current.has(slot.start)).map((slot) => slot.start);
	return { changed, removed };
}

function sameSlot(a: SlotView | undefined, b: SlotView): boolean {
	return (
		a !== undefined &&
		a.end === b.end &&
		a.time === b.time &&
		a.capacity === b.capacity &&
		a.booked === b.booked &&
		// A hold on a slot with places left keeps it "available": its held and remaining still change.
		a.held === b.held &&
		a.remaining === b.remaining &&
		a.status === b.status &&
		String(a.types) === String(b.types)
	);
}
