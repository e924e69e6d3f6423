// What the Worker knows of a doctor to route a request: zone, horizon and flags. Kept per isolate for a
// short time, so a booking's only remote call is the one to its day; the day object checks the date
// against its own config, so a stale entry costs a retry, never a wrong booking.
import { type Actor, DOCTOR_ID_PATTERN } from "../core/appointment";
import type { DoctorRoute } from "../core/day-window";
import { loadDoctorRoute } from "../db/doctor-config";
import { type HopPhase, hop } from "../lib/hops";
import { refreshInBackground, staleness } from "../lib/refresh-ahead";
import { requireVisible } from "./doctor-view";
import { ApiError } from "./errors";

/** How long another isolate may act on an old horizon or flag (the isolate that made a change forgets at once). */
export const ROUTE_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const routes = new Map<string, { route: DoctorRoute | null; readAt: number }>();
/** The doctors whose record is being read again in the background: one such read at a time per doctor. */
const refreshing = new Set<string>();
/** Counts forgets, so that a read that started before one does not put back what it read. */
let forgotten = 0;

/** The doctor's routing record; 404 DOCTOR_NOT_FOUND when there is no such doctor. `now` for tests. */
export async function doctorRoute(env: Env, doctorId: string, now = Date.now()): Promise<DoctorRoute> {
	if (!DOCTOR_ID_PATTERN.test(doctorId)) throw new ApiError("DOCTOR_NOT_FOUND");
	const entry = routes.get(doctorId);
	const state = staleness(entry?.readAt ?? null, ROUTE_TTL_MS, now);
	if (state === "refresh" && !refreshing.has(doctorId)) {
		refreshing.add(doctorId);
		refreshInBackground(
			readRoute(env, doctorId, now, "after").finally(() => refreshing.delete(doctorId)),
			"doctor-route",
		);
	}
	const route =
		entry !== undefined && state !== "expired" ? entry.route : await readRoute(env, doctorId, now, "before");
	if (route === null) throw new ApiError("DOCTOR_NOT_FOUND");
	return route;
}

/**
 * Reads the record and keeps it, unless it was forgotten meanwhile (a change may have raced the read).
 * `phase`: whether the request waits on it ("before" its answer) or it runs in the background.
 */
async function readRoute(
	env: Env,
	doctorId: string,
	now: number,
	phase: HopPhase,
): Promise<DoctorRoute | null> {
	const generation = forgotten;
	hop(env, "worker→D1", phase, "doctor-route.doctorRoute");
	const route = await loadDoctorRoute(env.DB, doctorId);
	if (generation === forgotten) {
		if (routes.size >= MAX_ENTRIES) routes.clear();
		routes.set(doctorId, { route, readAt: now });
	}
	return route;
}

/** The route for public reads: a doctor not yet approved is not found, except by admins and themself. */
export async function visibleDoctorRoute(
	env: Env,
	doctorId: string,
	actor: Actor | null,
): Promise<DoctorRoute> {
	return requireVisible(doctorId, await doctorRoute(env, doctorId), actor);
}

/** After a change of the doctor (or a day object said the zone moved): read it again next time. */
export function forgetDoctorRoute(doctorId: string): void {
	forgotten++;
	routes.delete(doctorId);
}
