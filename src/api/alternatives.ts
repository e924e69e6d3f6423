// The nearest bookable places of a doctor, offered when the asked-for slot is full.
import type { SlotView } from "../core/booking";
import { addDays } from "../core/time";
import { doctorDay } from "../doctor-day/stub";
import { type DoctorRecord, dayConfigFor, loadDoctorRecord } from "./doctor-records";

const WANTED = 5;
const LOOKAHEAD_DAYS = 7;

/** Up to five available slots nearest to `start`: the same day's first, then the following days. */
export async function nearestAlternatives(
	env: Env,
	record: DoctorRecord,
	date: string,
	start: number,
	sameDay: readonly SlotView[],
): Promise<SlotView[]> {
	const byDistance = (slots: readonly SlotView[]) =>
		[...slots].sort((a, b) => Math.abs(Date.parse(a.start) - start) - Math.abs(Date.parse(b.start) - start));
	const found = byDistance(sameDay).slice(0, WANTED);
	if (found.length >= WANTED) return found;
	const last = addDays(date, LOOKAHEAD_DAYS);
	const later = await loadDoctorRecord(env.DB, record.doctor.id, addDays(date, 1), last);
	for (let day = addDays(date, 1); day <= last && found.length < WANTED; day = addDays(day, 1)) {
		const view = await doctorDay(env, record.doctor.id, day).availability(dayConfigFor(later, day));
		found.push(...view.slots.filter((s) => s.status === "available").slice(0, WANTED - found.length));
	}
	return found;
}
