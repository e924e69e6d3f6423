// Reads what a doctor's days depend on from D1, in one round trip: for the Doctor object (which hands each
// day its part), and the Worker's routing record of a doctor.
import type { AppointmentType, Block, ClinicClosures } from "../core/day-config";
import { type DoctorRoute, LOOKBACK_DAYS } from "../core/day-window";
import type { DoctorConfig } from "../core/doctor-config";
import type { TimeRange } from "../core/slots";
import { addDays, type Weekday } from "../core/time";
import { rowReader } from "./rows";
import { doctors, scheduleRanges, unavailability } from "./schema";

const doctorRows = rowReader(doctors);
const rangeRows = rowReader(scheduleRanges);
const blockRows = rowReader(unavailability);
const DOCTOR_BY_ID = `${doctorRows.select} WHERE id = ?`;
const RANGES_OF_DOCTOR = `${rangeRows.select} WHERE doctor_id = ? ORDER BY start`;
const BLOCKS_BETWEEN = `${blockRows.select} WHERE doctor_id = ? AND date BETWEEN ? AND ? ORDER BY date, start`;
const CLOSURES_OF_DOCTOR =
	"SELECT closed_weekdays, holidays FROM clinics WHERE id = (SELECT clinic_id FROM doctors WHERE id = ?)";
const ROUTE_BY_ID = "SELECT id, timezone, horizon_days, is_approved, is_available FROM doctors WHERE id = ?";

/** The doctor's config with the unavailability between two dates; null when there is no such doctor. */
export async function loadDoctorConfig(
	d1: D1Database,
	doctorId: string,
	from: string,
	to: string,
): Promise<DoctorConfig | null> {
	const [found, ranges, blocks, clinic] = await d1.batch<Record<string, unknown>>([
		d1.prepare(DOCTOR_BY_ID).bind(doctorId),
		d1.prepare(RANGES_OF_DOCTOR).bind(doctorId),
		d1.prepare(BLOCKS_BETWEEN).bind(doctorId, from, to),
		d1.prepare(CLOSURES_OF_DOCTOR).bind(doctorId),
	]);
	const row = found?.results[0];
	if (row === undefined) return null;
	const doctor = doctorRows.decode(row);
	const weekly = Array.from({ length: 7 }, () => [] as TimeRange[]);
	for (const range of (ranges?.results ?? []).map(rangeRows.decode)) {
		const { start, end, capacity } = range;
		weekly[range.weekday]?.push(capacity === null ? { start, end } : { start, end, capacity });
	}
	const byDate: Record<string, Block[]> = {};
	for (const block of (blocks?.results ?? []).map(blockRows.decode)) {
		const onDate = byDate[block.date] ?? [];
		byDate[block.date] = onDate;
		onDate.push({
			id: block.id,
			start: block.start,
			end: block.end,
			reason: block.reason,
		});
	}
	return {
		doctorId: doctor.id,
		version: doctor.configVersion,
		timezone: doctor.timezone,
		isAvailable: doctor.isAvailable,
		isApproved: doctor.isApproved,
		slotMinutes: doctor.slotMinutes,
		capacity: doctor.capacity,
		horizonDays: doctor.horizonDays,
		maxPerPatient: doctor.maxPerPatientPerDay,
		holdSeconds: doctor.holdSeconds,
		offerSeconds: doctor.offerSeconds,
		requiresApproval: doctor.requiresApproval,
		bufferMinutes: doctor.bufferMinutes,
		minNoticeMinutes: doctor.minNoticeMinutes,
		cancelCutoffMinutes: doctor.cancelCutoffMinutes,
		maxPerDay: doctor.maxPerDay,
		reservedPlaces: doctor.reservedPlaces,
		appointmentTypes: JSON.parse(doctor.appointmentTypes) as AppointmentType[],
		weekly,
		blocks: byDate,
		...(clinic?.results[0] === undefined ? {} : { clinicClosures: clinicClosures(clinic.results[0]) }),
	};
}

/** A clinics row's closed days (JSON written by the clinics routes, after validation). */
export function clinicClosures(row: Record<string, unknown>): ClinicClosures {
	return {
		weekdays: JSON.parse(String(row.closed_weekdays)) as Weekday[],
		holidays: JSON.parse(String(row.holidays)) as string[],
	};
}

/** The config with every unavailability from the look-back on: what the Doctor object holds. */
export function loadCurrentDoctorConfig(d1: D1Database, doctorId: string): Promise<DoctorConfig | null> {
	// The doctor's zone is not known before the read; a day either side of UTC covers every zone.
	const from = addDays(new Date().toISOString().slice(0, 10), -LOOKBACK_DAYS - 1);
	return loadDoctorConfig(d1, doctorId, from, "9999-12-31");
}

/** What the Worker needs to route a request for a doctor; null when there is no such doctor. */
export async function loadDoctorRoute(d1: D1Database, doctorId: string): Promise<DoctorRoute | null> {
	const row = await d1.prepare(ROUTE_BY_ID).bind(doctorId).first<{
		id: string;
		timezone: string | null;
		horizon_days: number;
		is_approved: number;
		is_available: number;
	}>();
	if (row === null) return null;
	return {
		doctorId: row.id,
		timezone: row.timezone,
		horizonDays: row.horizon_days,
		isApproved: row.is_approved === 1,
		isAvailable: row.is_available === 1,
	};
}
