// The dates a doctor can have slots on: a short look-back (so recent days still read) up to the horizon.
// Nothing outside it gets a doctor-day object, so reads of made-up dates cost no storage.
import type { RefusalCode } from "./booking";
import { addDays, localDateOf } from "./time";

/** Past days still answered (as past slots) by their objects; older ones answer empty without one. */
export const LOOKBACK_DAYS = 7;

export interface DoctorRoute {
	doctorId: string;
	timezone: string | null;
	horizonDays: number;
	isApproved: boolean;
	isAvailable: boolean;
}

export interface DayWindow {
	first: string;
	last: string;
}

/** null when the doctor has no schedule, so no date can have slots. */
export function dayWindow(route: DoctorRoute, now: number): DayWindow | null {
	if (route.timezone === null) return null;
	const today = localDateOf(now, route.timezone);
	return { first: addDays(today, -LOOKBACK_DAYS), last: addDays(today, route.horizonDays) };
}

export function inDayWindow(route: DoctorRoute, date: string, now: number): boolean {
	const window = dayWindow(route, now);
	return window !== null && date >= window.first && date <= window.last;
}

/** A booking for a date outside the window, refused in the contract's decision order. */
export function outsideWindowRefusal(route: DoctorRoute, start: number, now: number): RefusalCode {
	if (!route.isApproved || !route.isAvailable) return "DOCTOR_UNAVAILABLE";
	if (start <= now) return "SLOT_IN_PAST";
	return "DAY_UNAVAILABLE";
}
