// What the Worker knows of a doctor to route a request: zone, horizon and flags. Kept per isolate for a
// short time, so a booking's only remote call is the one to its day; the day object checks the date
// against its own config, so a stale entry costs a retry, never a wrong booking.
import { type Actor, DOCTOR_ID_PATTERN } from "../core/appointment";
import type { DoctorRoute } from "../core/day-window";
import { loadDoctorRoute } from "../db/doctor-config";
import { hop } from "../lib/hops";
import { requireVisible } from "./doctor-view";
import { ApiError } from "./errors";

/** How long another isolate may act on an old horizon or flag (the isolate that made a change forgets at once). */
export const ROUTE_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const routes = new Map<string, { route: DoctorRoute | null; until: number }>();

/** The doctor's routing record; 404 DOCTOR_NOT_FOUND when there is no such doctor. */
export async function doctorRoute(env: Env, doctorId: string): Promise<DoctorRoute> {
	if (!DOCTOR_ID_PATTERN.test(doctorId)) throw new ApiError("DOCTOR_NOT_FOUND");
	const now = Date.now();
	let entry = routes.get(doctorId);
	if (entry === undefined || entry.until <= now) {
		hop(env, "worker→D1", "before", "doctor-route.doctorRoute");
		const route = await loadDoctorRoute(env.DB, doctorId);
		if (routes.size >= MAX_ENTRIES) routes.clear();
		entry = { route, until: now + ROUTE_TTL_MS };
		routes.set(doctorId, entry);
	}
	if (entry.route === null) throw new ApiError("DOCTOR_NOT_FOUND");
	return entry.route;
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
	routes.delete(doctorId);
}
