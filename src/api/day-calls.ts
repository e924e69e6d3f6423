// Calls from the Worker to a doctor-day object: the date is worked out from the routing record, dates
// outside the doctor's window are refused before any object is touched, and a day object that says the
// instant is another day's (the zone changed) gets the call moved there once.

import { ALTERNATIVES_WANTED, nearestFirst } from "../core/alternatives";
import type { RefusalCode, SlotView } from "../core/booking";
import { type DoctorRoute, inDayWindow, outsideWindowRefusal } from "../core/day-window";
import { localDateOf } from "../core/time";
import { doctorObject } from "../doctor/stub";
import type {
	BookRequest,
	BookResult,
	DayRef,
	GroupBookRequest,
	GroupBookResult,
	HoldRequest,
	HoldResult,
	PlaceRefusal,
	SlotCheck,
	WrongDay,
} from "../doctor-day/results";
import { doctorDay } from "../doctor-day/stub";
import { verifyAppointmentId } from "../lib/appointment-ids";
import { hop } from "../lib/hops";
import { doctorRoute, forgetDoctorRoute } from "./doctor-route";
import { ApiError } from "./errors";

export interface DayBooking {
	date: string | null;
	result: BookResult;
}

export function bookOnDay(env: Env, route: DoctorRoute, request: BookRequest): Promise<DayBooking> {
	return placeOnDay(
		env,
		route,
		request.start,
		"day-calls.bookOnDay",
		async (day, where): Promise<BookResult> => await day.book(where, request),
	);
}

export function bookGroupOnDay(
	env: Env,
	route: DoctorRoute,
	request: GroupBookRequest,
): Promise<{ date: string | null; result: GroupBookResult | OutsideRefusal }> {
	return placeOnDay(
		env,
		route,
		request.start,
		"day-calls.bookGroupOnDay",
		async (day, where): Promise<GroupBookResult> => await day.bookGroup(where, request),
	);
}

export function holdOnDay(
	env: Env,
	route: DoctorRoute,
	request: HoldRequest,
): Promise<{ date: string | null; result: HoldResult }> {
	return placeOnDay(
		env,
		route,
		request.start,
		"day-calls.holdOnDay",
		async (day, where): Promise<HoldResult> => await day.hold(where, request),
	);
}

type DayStub = ReturnType<typeof doctorDay>;

/** One call to the day `start` falls on; moved once to the right day if the day says the zone changed. */
async function placeOnDay<R extends { ok: boolean }>(
	env: Env,
	route: DoctorRoute,
	start: number,
	label: string,
	call: (day: DayStub, where: DayRef) => Promise<R>,
): Promise<{ date: string | null; result: R | OutsideRefusal }> {
	const now = Date.now();
	let date = route.timezone === null ? null : localDateOf(start, route.timezone);
	if (date === null || !inDayWindow(route, date, now)) return { date, result: outside(route, start, now) };
	hop(env, "worker→object", "before", label);
	let result = await call(doctorDay(env, route.doctorId, date), { doctorId: route.doctorId, date });
	if (isWrongDay(result)) {
		forgetDoctorRoute(route.doctorId);
		const fresh = await doctorRoute(env, route.doctorId);
		date = result.wrongDay;
		if (!inDayWindow(fresh, date, now)) return { date, result: outside(fresh, start, now) };
		hop(env, "worker→object", "before", `${label} (moved day)`);
		result = await call(doctorDay(env, route.doctorId, date), { doctorId: route.doctorId, date });
	}
	return { date, result };
}

function isWrongDay(result: object): result is WrongDay {
	return "wrongDay" in result;
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

/** Refused before any object is touched: the date is outside the doctor's window. Fits every place call. */
type OutsideRefusal = PlaceRefusal<RefusalCode> & { sameDayAlternatives: SlotView[] };

function outside(route: DoctorRoute, start: number, now: number): OutsideRefusal {
	return {
		ok: false,
		code: outsideWindowRefusal(route, start, now),
		booked: 0,
		capacity: 0,
		slot: null,
		version: 0,
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
	const found = nearestFirst(sameDay, start);
	if (found.length >= ALTERNATIVES_WANTED || date === null) return found;
	try {
		// The following days' answer is nearest first, so fewer wanted is a prefix of it.
		const later = await laterAlternatives(env, doctorId, date, Date.now());
		return [...found, ...later.slice(0, ALTERNATIVES_WANTED - found.length)];
	} catch (error) {
		console.error(
			JSON.stringify({ event: "alternatives_unavailable", doctor_id: doctorId, error: String(error) }),
		);
		return found;
	}
}

// A storm of refusals on one full day would each ask the Doctor object for the same following days. Their
// free slots come from its summary, which follows bookings after their answers anyway: a second more of
// staleness in a suggestion changes nothing a patient can rely on, and spares the storm its second hop.
const LATER_TTL_MS = 1_000;
const LATER_CACHE_MAX = 1_000;
const laterCache = new Map<string, { slots: Promise<SlotView[]>; until: number }>();

/** The doctor's first available slots after `date` (ALTERNATIVES_WANTED), shared by concurrent askers. */
function laterAlternatives(env: Env, doctorId: string, date: string, now: number): Promise<SlotView[]> {
	const key = `${doctorId}:${date}`;
	const cached = laterCache.get(key);
	if (cached !== undefined && cached.until > now) return cached.slots;
	hop(env, "worker→object", "before", "day-calls.nearestAlternatives");
	// A plain promise (not the RPC's own thenable), as several refusals await it.
	const slots = (async () =>
		doctorObject(env, doctorId).alternativesAfter(doctorId, date, ALTERNATIVES_WANTED))();
	if (laterCache.size >= LATER_CACHE_MAX) laterCache.clear();
	const entry = { slots, until: now + LATER_TTL_MS };
	laterCache.set(key, entry);
	// A failed call is not kept: the next refusal asks again.
	slots.catch(() => {
		if (laterCache.get(key) === entry) laterCache.delete(key);
	});
	return slots;
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
