// What a refusal offers instead of a full slot: the free slots nearest to the one asked for.
import type { SlotView } from "./booking";

/** How many alternatives a SLOT_FULL (or a series conflict) lists. */
export const ALTERNATIVES_WANTED = 5;

/** Up to `wanted` of the given free slots (a day's, as its refusal lists them), nearest to `start` first. */
export function nearestFirst<Slot extends Pick<SlotView, "start">>(
	slots: readonly Slot[],
	start: number,
	wanted = ALTERNATIVES_WANTED,
): Slot[] {
	const distance = (slot: Slot) => Math.abs(Date.parse(slot.start) - start);
	return [...slots].sort((a, b) => distance(a) - distance(b)).slice(0, wanted);
}
