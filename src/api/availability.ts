// Availability, served by the doctor-day objects: one day, a range of days, and "is this slot free".
import { createRoute, z } from "@hono/zod-openapi";
import { datesInRange } from "../core/day-range";
import { daysBetween, localDateOf } from "../core/time";
import { doctorDay } from "../doctor-day/stub";
import { dayConfigFor, loadDoctorRecord, loadRecordAround } from "./doctor-records";
import { ApiError } from "./errors";
import { errorResponses, jsonBody, jsonContent, newRouter } from "./router";
import { CheckBody, DateRangeQuery, DateString, DayAvailability, DoctorIdParam } from "./schemas";

export const availabilityRoutes = newRouter();
const MAX_RANGE_DAYS = 62;

availabilityRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability/date/{date}",
		tags: ["availability"],
		summary: "The slots of one doctor-day, with their status and places left",
		request: { params: DoctorIdParam.extend({ date: DateString }) },
		responses: { 200: jsonContent(DayAvailability, "The day"), ...errorResponses },
	}),
	async (c) => {
		const { doctor_id, date } = c.req.valid("param");
		const record = await loadDoctorRecord(c.env.DB, doctor_id, date, date);
		const day = await doctorDay(c.env, doctor_id, date).availability(dayConfigFor(record, date));
		return c.json(day, 200);
	},
);

const DaySummary = z.object({
	date: z.string(),
	total_slots: z.number(),
	available_count: z.number(),
	booked_count: z.number(),
});

availabilityRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability",
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
		const record = await loadDoctorRecord(c.env.DB, doctor_id, from, to);
		const days = await Promise.all(
			datesInRange(from, to).map(async (date) => {
				const day = await doctorDay(c.env, doctor_id, date).availability(dayConfigFor(record, date));
				const { total_slots, available_count, booked_count } = day;
				return { date, total_slots, available_count, booked_count };
			}),
		);
		return c.json({ doctor_id, timezone: record.doctor.timezone, days }, 200);
	},
);

availabilityRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/doctors/{doctor_id}/slots/check",
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
		const record = await loadRecordAround(c.env.DB, doctor_id, start);
		const zone = record.doctor.timezone;
		if (zone === null) {
			return c.json(
				{ available: false, status: null, remaining: 0, capacity: 0, code: "DAY_UNAVAILABLE" },
				200,
			);
		}
		const date = localDateOf(start, zone);
		const check = await doctorDay(c.env, doctor_id, date).check(dayConfigFor(record, date), start);
		return c.json(check, 200);
	},
);
