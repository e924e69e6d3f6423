// Calls from the Worker to a doctor-day object: the date is worked out from the routing record, dates
// outside the doctor's window are refused before any object is touched, and a day object that says the
// instant is another day's (the zone changed) gets the call moved there once.

import type { SlotView } from "../core/booking";
import { type DoctorRoute, inDayWindow, outsideWindowRefusal } from "../core/day-window";
import { localDateOf } from "../core/time";
import { doctorObject } from "../doctor/stub";
import type { BookRequest, BookResult, SlotCheck, WrongDay } from "../doctor-day/results";
import { doctorDay } from "../doctor-day/stub";
import { verifyAppointmentId } from "../lib/appointment-ids";
import { hop } from "../lib/hops";
import { doctorRoute, forgetDoctorRoute } from "./doctor-route";
import { ApiError } from "./errors";

const ALTERNATIVES_WANTED = 5;

export interface DayBooking {
	date: string | null;
	result: BookResult;
}

export async function bookOnDay(env: Env, route: DoctorRoute, request: BookRequest): Promise<DayBooking> {
	const now = Date.now();
	let date = route.timezone === null ? null : localDateOf(request.start, route.timezone);
	if (date === null || !inDayWindow(route, date, now))
		return { date, result: outside(route, request.start, now) };
	const where = { doctorId: route.doctorId, date };
	hop(env, "worker→object", "before", "day-calls.bookOnDay");
	let result = await doctorDay(env, route.doctorId, date).book(where, request);
	if (!result.ok && result.code === "WRONG_DAY") {
		forgetDoctorRoute(route.doctorId);
		const fresh = await doctorRoute(env, route.doctorId);
		date = result.wrongDay;
		if (!inDayWindow(fresh, date, now)) return { date, result: outside(fresh, request.start, now) };
		hop(env, "worker→object", "before", "day-calls.bookOnDay (moved day)");
		result = await doctorDay(env, route.doctorId, date).book({ doctorId: route.doctorId, date }, request);
	}
	return { date, result };
}

export async function checkOnDay(
	env: Env,
	route: DoctorRoute,
	start: number,
	retried = false,
): Promise<Exclude<SlotCheck, WrongDay>> {
	const now = Date.now();
	const date = route.timezone === null ? null : localDateOf(start, route.timezone);
	if (date === null || !inDayWindow(route, date, now)) {
		return {
			available: false,
			status: null,
			remaining: 0,
			capacity: 0,
			code: outsideWindowRefusal(route, start, now),
		};
	}
	hop(env, "worker→object", "before", "day-calls.checkOnDay");
	const check = await doctorDay(env, route.doctorId, date).check({ doctorId: route.doctorId, date }, start);
	if (!("wrongDay" in check)) return check;
	if (retried) return { available: false, status: null, remaining: 0, capacity: 0, code: "DAY_UNAVAILABLE" };
	forgetDoctorRoute(route.doctorId);
	return checkOnDay(env, await doctorRoute(env, route.doctorId), start, true);
}

function outside(route: DoctorRoute, start: number, now: number): BookResult {
	return {
		ok: false,
		code: outsideWindowRefusal(route, start, now),
		booked: 0,
		capacity: 0,
		sameDayAlternatives: [],
	};
}

/**
 * Up to five available slots nearest to `start`: the same day's (from the day's own answer), then the
 * following days' from the Doctor object's summary, one more call. If that call fails, the same day's do.
 */
export async function nearestAlternatives(
	env: Env,
	doctorId: string,
	date: string | null,
	start: number,
	sameDay: readonly SlotView[],
): Promise<SlotView[]> {
	const distance = (slot: SlotView) => Math.abs(Date.parse(slot.start) - start);
	const found = [...sameDay].sort((a, b) => distance(a) - distance(b)).slice(0, ALTERNATIVES_WANTED);
	if (found.length >= ALTERNATIVES_WANTED || date === null) return found;
	try {
		hop(env, "worker→object", "before", "day-calls.nearestAlternatives");
		const later = await doctorObject(env, doctorId).alternativesAfter(
			doctorId,
			date,
			ALTERNATIVES_WANTED - found.length,
		);
		return [...found, ...later];
	} catch (error) {
		console.error(
			JSON.stringify({ event: "alternatives_unavailable", doctor_id: doctorId, error: String(error) }),
		);
		return found;
	}
}

/** Finds the appointment in its own doctor-day object, which is authoritative even before D1 has it. */
export async function findAppointment(env: Env, id: string) {
	const owner = await verifyAppointmentId(env.AUTH_SECRET, id);
	if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
	hop(env, "worker→object", "before", "appointments.findAppointment");
	const appointment = await doctorDay(env, owner.doctorId, owner.date).appointment(id);
	if (appointment === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
	return appointment;
}
