// What a refusal offers instead of a full slot: the free slots nearest to the one asked for.
import type { SlotView } from "./booking";

/** How many alternatives a SLOT_FULL (or a series conflict) lists. */
export const ALTERNATIVES_WANTED = 5;

/** Up to `wanted` of the day's free slots, nearest to `start` first. */
export function nearestFirst(
	slots: readonly SlotView[],
	start: number,
	wanted = ALTERNATIVES_WANTED,
): SlotView[] {
	const distance = (slot: SlotView) => Math.abs(Date.parse(slot.start) - start);
	return slots
		.filter((s) => s.status === "available")
		.sort((a, b) => distance(a) - distance(b))
		.slice(0, wanted);
}
