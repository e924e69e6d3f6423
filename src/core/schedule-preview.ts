// The slots a schedule would give on one date, before it is saved: what the schedule editor previews.
import type { DayConfig } from "./day-config";
import { scheduledSlots } from "./day-config";
import type { TimeRange } from "./slots";

export interface PreviewSchedule {
	timezone: string;
	slotMinutes: number;
	capacity: number;
	bufferMinutes: number;
	reservedPlaces: number;
	/** The ranges of the date's weekday. */
	ranges: readonly TimeRange[];
}

export interface PreviewSlot {
	start: string;
	end: string;
	time: string;
	capacity: number;
	/** Places patients can book (capacity less the reserved ones). */
	patient_places: number;
}

/** Pure: the schedule's slots on `date`, ignoring bookings, unavailability and the clinic's closed days. */
export function previewSlots(schedule: PreviewSchedule, date: string): PreviewSlot[] {
	const config: DayConfig = {
		doctorId: "",
		version: 0,
		timezone: schedule.timezone,
		isAvailable: true,
		isApproved: true,
		slotMinutes: schedule.slotMinutes,
		capacity: schedule.capacity,
		horizonDays: 0,
		bufferMinutes: schedule.bufferMinutes,
		date,
		ranges: [...schedule.ranges],
		blocks: [],
	};
	return scheduledSlots(config).map((slot) => ({
		start: new Date(slot.start).toISOString(),
		end: new Date(slot.end).toISOString(),
		time: slot.time,
		capacity: slot.capacity,
		patient_places: Math.max(0, slot.capacity - schedule.reservedPlaces),
	}));
}
