// Availability, served by the doctor-day objects: one day, a range of days, and "is this slot free".
import { createRoute, z } from "@hono/zod-openapi";
import { type DoctorRoute, inDayWindow } from "../../core/day-window";
import { daysBetween } from "../../core/time";
import { doctorObject } from "../../doctor/stub";
import type { DayAvailability as DayBody } from "../../doctor-day/results";
import { doctorDay } from "../../doctor-day/stub";
import { hop } from "../../lib/hops";
import { logBooking } from "../booking-log";
import { checkOnDay } from "../day-calls";
import { visibleDoctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { limitPublicReads } from "../rate-limit";
import { errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { CheckBody, DateRangeQuery, DateString, DayAvailability, DoctorIdParam } from "../schemas";

export const availabilityRoutes = newRouter();
const MAX_RANGE_DAYS = 62;

/** A day outside the doctor's window: no slots (as the contract has disabled and far days answer). */
export function emptyDay(route: DoctorRoute, date: string): DayBody {
	const none = { total_slots: 0, available_count: 0, booked_count: 0 };
	return {
		doctor_id: route.doctorId,
		date,
		timezone: route.timezone,
		version: 0,
		...none,
		closed: null,
		slots: [],
	};
}

availabilityRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability/date/{date}",
		middleware: [limitPublicReads] as const,
		tags: ["availability"],
		summary: "The slots of one doctor-day, with their status and places left",
		request: { params: DoctorIdParam.extend({ date: DateString }) },
		responses: { 200: jsonContent(DayAvailability, "The day"), ...errorResponses },
	}),
	async (c) => {
		const { doctor_id, date } = c.req.valid("param");
		const route = await visibleDoctorRoute(c.env, doctor_id, c.get("actor"));
		// A date no slot can fall on is answered here: no object is created for it.
		if (!inDayWindow(route, date, Date.now())) return c.json(emptyDay(route, date), 200);
		hop(c.env, "worker→object", "before", "availability.day");
		const day = await doctorDay(c.env, doctor_id, date).availability({ doctorId: doctor_id, date });
		return c.json(day, 200);
	},
);

const DaySummary = z.object({
	date: z.string(),
	closed: z.enum(["clinic"]).nullable(),
	total_slots: z.number(),
	available_count: z.number(),
	booked_count: z.number(),
});

availabilityRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability",
		middleware: [limitPublicReads] as const,
		tags: ["availability"],
		summary: "Which days have free places (at most 62 days), for a date picker",
		request: { params: DoctorIdParam, query: DateRangeQuery },
		responses: {
			200: jsonContent(
				z.object({ doctor_id: z.string(), timezone: z.string().nullable(), days: z.array(DaySummary) }),
				"Days",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const { from, to } = c.req.valid("query");
		if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) {
			throw new ApiError("VALIDATION_ERROR", `to: ask for at most ${MAX_RANGE_DAYS} days.`, {
				issues: [{ path: "to", message: `At most ${MAX_RANGE_DAYS} days.` }],
			});
		}
		await visibleDoctorRoute(c.env, doctor_id, c.get("actor"));
		// One call: the Doctor object keeps every day's booked places, fed by the days' events.
		hop(c.env, "worker→object", "before", "availability.range");
		const { timezone, days } = await doctorObject(c.env, doctor_id).range(doctor_id, from, to);
		return c.json({ doctor_id, timezone, days }, 200);
	},
);

availabilityRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/doctors/{doctor_id}/slots/check",
		middleware: [limitPublicReads] as const,
		tags: ["availability"],
		summary: "Whether one more place can be booked at a slot start",
		request: { params: DoctorIdParam, body: jsonBody(CheckBody) },
		responses: {
			200: jsonContent(
				z.object({
					available: z.boolean(),
					status: z.string().nullable(),
					remaining: z.number(),
					capacity: z.number(),
					code: z.string().optional(),
				}),
				"The answer",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const { start } = c.req.valid("json");
		const route = await visibleDoctorRoute(c.env, doctor_id, c.get("actor"));
		const check = await checkOnDay(c.env, route, start);
		logBooking("time_slot_conflict_check", {
			doctor_id,
			scheduled_at: new Date(start).toISOString(),
			outcome: check.available ? "available" : "refused",
			...(check.code === undefined ? {} : { code: check.code }),
		});
		return c.json(check, 200);
	},
);
