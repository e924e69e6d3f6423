// POST /api/appointments/:id/reschedule: one call to the old appointment's day, which secures the new place
// before it releases the old one (on its own, or by a saga that calls the new day: src/core/reschedule.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { inDayWindow, outsideWindowRefusal } from "../../core/day-window";
import { localDateOf } from "../../core/time";
import { doctorDay } from "../../doctor-day/stub";
import { verifyAppointmentId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { nearestAlternatives } from "../day-calls";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { placeRefused } from "../place-refusals";
import { rateLimit } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Appointment, AppointmentIdParam, IdempotencyHeader, RescheduleBody } from "../schemas";

export const rescheduleRoutes = newRouter();

rescheduleRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointments/{id}/reschedule",
		middleware: [allow(), rateLimit("BOOKING_LIMIT")] as const,
		tags: ["appointments"],
		summary:
			"Move an appointment to another slot (any day, any doctor): the new place is secured before the old one is released",
		security: bearer,
		request: { params: AppointmentIdParam, headers: IdempotencyHeader, body: jsonBody(RescheduleBody) },
		responses: {
			200: jsonContent(
				z.object({ appointment: Appointment, previous: Appointment }),
				"Rescheduled: the new confirmed appointment, and the old one (status rescheduled)",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const started = Date.now();
		const { id } = c.req.valid("param");
		const body = c.req.valid("json");
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const actor = requireActor(c);
		const owner = await verifyAppointmentId(c.env.AUTH_SECRET, id);
		if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
		const doctorId = body.doctor_id ?? owner.doctorId;
		// A doctor moves their own patients within their own days; patients and admins may change doctor.
		if (actor.role === "doctor" && (actor.doctorId !== owner.doctorId || actor.doctorId !== doctorId))
			throw new ApiError("FORBIDDEN");
		const route = await doctorRoute(c.env, doctorId);
		const now = Date.now();
		const date = route.timezone === null ? null : localDateOf(body.start, route.timezone);
		if (date === null || !inDayWindow(route, date, now)) {
			const code = outsideWindowRefusal(route, body.start, now);
			throw placeRefused({ ok: false, code, booked: 0, capacity: 0, slot: null, version: 0 });
		}
		hop(c.env, "worker→object", "before", "reschedule.reschedule");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).reschedule(owner, {
			appointmentId: id,
			actor,
			idempotencyKey: key,
			target: { doctorId, date, start: body.start, ...(body.type === undefined ? {} : { type: body.type }) },
		});
		logEvent("appointment_rescheduled", {
			appointment_id: id,
			doctor_id: doctorId,
			outcome: result.ok ? (result.replayed ? "replayed" : "rescheduled") : "refused",
			...(result.ok ? { new_appointment_id: result.appointment.id } : { code: result.code }),
			duration_ms: Date.now() - started,
		});
		if (result.ok) {
			if (result.replayed) c.header("Idempotent-Replayed", "true");
			return c.json({ appointment: result.appointment, previous: result.previous }, 200);
		}
		if (!("booked" in result)) throw new ApiError(result.code);
		if (result.code !== "SLOT_FULL") throw placeRefused(result);
		const alternatives = await nearestAlternatives(
			c.env,
			doctorId,
			date,
			body.start,
			result.sameDayAlternatives,
		);
		throw placeRefused(result, { alternatives });
	},
);
