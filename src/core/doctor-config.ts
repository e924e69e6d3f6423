// Everything a doctor's days depend on, as one value: pushed to the Doctor object and cut per date.
import {
	type Block,
	type ClinicClosures,
	closedByClinic,
	type DayConfig,
	type DoctorSettings,
} from "./day-config";
import type { TimeRange } from "./slots";
import { WEEKDAYS, weekdayOf } from "./time";

export interface DoctorConfig extends DoctorSettings {
	/** Ranges per weekday, 0 = monday … 6 = sunday. */
	weekly: TimeRange[][];
	/** Unavailability by doctor-local date. */
	blocks: Record<string, Block[]>;
	/** The doctor's clinic's closed days; absent for a doctor of no clinic (and in configs from before clinics). */
	clinicClosures?: ClinicClosures;
}

/** The config one doctor-day object holds: this date's weekday ranges and this date's blocks. */
export function dayConfigOf(doctor: DoctorConfig, date: string): DayConfig {
	const { weekly, blocks, clinicClosures, ...settings } = doctor;
	return {
		...settings,
		date,
		ranges: weekly[WEEKDAYS.indexOf(weekdayOf(date))] ?? [],
		blocks: blocks[date] ?? [],
		...(closedByClinic(clinicClosures, date) ? { clinicClosed: true } : {}),
	};
}
