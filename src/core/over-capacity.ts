// Which confirmed bookings a lowered capacity leaves without a place: the ones made last in each slot.
import { blockedIntervals, type DayConfig, isBlocked, scheduledSlots } from "./day-config";

/**
 * The bookings beyond each slot's capacity (its range's, or the config's). `bookings` are the day's confirmed ones in the
 * order they were made; in a slot holding more than `capacity`, the earliest made keep their places and
 * the rest are answered, in booking order. Nothing is cancelled: the caller lists them, like
 * `outsideSchedule`'s. Only future slots the config still offers count; a booking whose slot is gone or
 * blocked is `outsideSchedule`'s to list (so no booking is in both), and a slot that started is history.
 */
export function overCapacity<T extends { id: string; start: number }>(
	config: DayConfig,
	bookings: readonly T[],
	now: number,
): T[] {
	const blocked = blockedIntervals(config);
	const offered = new Map(
		scheduledSlots(config)
			.filter((slot) => slot.start > now && !isBlocked(slot, blocked))
			.map((slot) => [slot.start, slot.capacity]),
	);
	const seen = new Map<number, number>();
	return bookings.filter((booking) => {
		const capacity = offered.get(booking.start);
		if (capacity === undefined) return false;
		const place = (seen.get(booking.start) ?? 0) + 1;
		seen.set(booking.start, place);
		return place > capacity;
	});
}
