// Pushes a doctor's changed config to the objects of every day it can touch, before the change is acknowledged.
import type { Appointment } from "../core/appointment";
import { datesInRange } from "../core/day-range";
import { addDays, localDateOf } from "../core/time";
import { doctorDay } from "../doctor-day/stub";
import { doctorFeed } from "../doctor-feed/doctor-feed";
import { type DoctorRecord, type DoctorRow, dayConfigFor, loadDoctorRecord } from "./doctor-records";

/**
 * Sends the doctor's current config to the objects of today … today + horizon (the larger of the old and
 * new horizon), and answers the future bookings that now fall outside the schedule. Objects keep the
 * newest config version they see, so pushes racing with each other or with requests settle correctly.
 * The doctor's own tabs hear of the change last, once every day has taken it.
 */
export async function pushDoctorConfig(
	env: Env,
	doctor: DoctorRow,
	change: string,
	options: { previousHorizonDays?: number; dates?: readonly string[] } = {},
): Promise<Appointment[]> {
	const doctorId = doctor.id;
	if (doctor.timezone === null) return [];
	const today = localDateOf(Date.now(), doctor.timezone);
	const last = addDays(today, Math.max(options.previousHorizonDays ?? 0, doctor.horizonDays));
	const dates = options.dates ?? datesInRange(today, last);
	const inWindow = dates.filter((d) => d >= today && d <= last);
	if (inWindow.length === 0) return [];
	const record: DoctorRecord = await loadDoctorRecord(
		env.DB,
		doctorId,
		inWindow[0] as string,
		inWindow.at(-1) as string,
	);
	const results = await Promise.all(
		inWindow.map((date) => doctorDay(env, doctorId, date).applyConfig(dayConfigFor(record, date))),
	);
	const affected = results.flatMap((r) => r.affected);
	await doctorFeed(env, doctorId).publish([
		{ type: "schedule_changed", change, dates: inWindow, affected_appointments: affected },
	]);
	return affected;
}
