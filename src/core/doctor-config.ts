// Everything a doctor's days depend on, as one value: pushed to the Doctor object and cut per date.
import type { Block, DayConfig } from "./day-config";
import type { TimeRange } from "./slots";
import { WEEKDAYS, weekdayOf } from "./time";

export interface DoctorConfig {
	doctorId: string;
	// Grows with every change of anything below (D1's doctors.config_version): the newest one wins.
	version: number;
	timezone: string | null;
	isAvailable: boolean;
	isApproved: boolean;
	slotMinutes: number;
	capacity: number;
	horizonDays: number;
	/** Ranges per weekday, 0 = monday … 6 = sunday. */
	weekly: TimeRange[][];
	/** Unavailability by doctor-local date. */
	blocks: Record<string, Block[]>;
}

/** The config one doctor-day object holds: this date's weekday ranges and this date's blocks. */
export function dayConfigOf(doctor: DoctorConfig, date: string): DayConfig {
	return {
		doctorId: doctor.doctorId,
		date,
		version: doctor.version,
		timezone: doctor.timezone,
		isAvailable: doctor.isAvailable,
		isApproved: doctor.isApproved,
		slotMinutes: doctor.slotMinutes,
		capacity: doctor.capacity,
		horizonDays: doctor.horizonDays,
		ranges: doctor.weekly[WEEKDAYS.indexOf(weekdayOf(date))] ?? [],
		blocks: doctor.blocks[date] ?? [],
	};
}
