// /api/appointments: book, read, list and cancel. Every decision about a slot is the doctor-day object's.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gte, isNull, lte, type SQL } from "drizzle-orm";
import { type Actor, canAccessAppointment } from "../../core/appointment";
import { database } from "../../db/client";
import { appointments, users } from "../../db/schema";
import { doctorDay } from "../../doctor-day/stub";
import { verifyAppointmentId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { logBooking, refusalEvent } from "../booking-log";
import { bookOnDay, findAppointment, nearestAlternatives } from "../day-calls";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { afterKey, decodeCursor, pageOf } from "../pagination";
import { rateLimit, rateLimitUser } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import {
	Appointment,
	AppointmentIdParam,
	AppointmentListQuery,
	BookBody,
	IdempotencyHeader,
} from "../schemas";

export const appointmentRoutes = newRouter();
const AppointmentResponse = z.object({ appointment: Appointment });

/** Who the booking is for: patients book for themselves; admins and doctors name the patient. */
async function patientFor(env: Env, actor: Actor, doctorId: string, patientId: string | undefined) {
	if (actor.role === "patient") {
		if (patientId !== undefined && patientId !== actor.userId) throw new ApiError("FORBIDDEN");
		return actor.userId;
	}
	if (actor.role === "doctor" && actor.doctorId !== doctorId) throw new ApiError("FORBIDDEN");
	if (patientId === undefined) {
		throw new ApiError("VALIDATION_ERROR", "patient_id: required when booking for a patient.", {
			issues: [{ path: "patient_id", message: "Required when booking for a patient." }],
		});
	}
	hop(env, "worker→D1", "before", "appointments.patientFor");
	const [patient] = await database(env.DB)
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.id, patientId), eq(users.role, "patient"), isNull(users.deletedAt)));
	if (patient === undefined) {
		throw new ApiError("VALIDATION_ERROR", "patient_id: no such patient.", {
			issues: [{ path: "patient_id", message: "No such patient." }],
		});
	}
	return patientId;
}

appointmentRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointments",
		middleware: [allow(), rateLimit("BOOKING_LIMIT"), rateLimitUser("BOOKING_USER_LIMIT")] as const,
		tags: ["appointments"],
		summary: "Book a place in a slot; retries with one Idempotency-Key give one appointment",
		security: bearer,
		request: { headers: IdempotencyHeader, body: jsonBody(BookBody) },
		responses: {
			201: jsonContent(AppointmentResponse, "Booked (or the earlier booking of this key)"),
			...errorResponses,
		},
	}),
	async (c) => {
		const started = Date.now();
		const body = c.req.valid("json");
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const actor = requireActor(c);
		const patientId = await patientFor(c.env, actor, body.doctor_id, body.patient_id);
		const route = await doctorRoute(c.env, body.doctor_id);
		const { date, result } = await bookOnDay(c.env, route, {
			patientId,
			bookedBy: actor.userId,
			start: body.start,
			consultationMode: body.consultation_mode,
			reason: body.reason ?? null,
			idempotencyKey: key,
		});
		const logged = {
			doctor_id: body.doctor_id,
			patient_id: patientId,
			scheduled_at: new Date(body.start).toISOString(),
			consultation_mode: body.consultation_mode,
		};
		if (result.ok) {
			logBooking("consultation_scheduled", {
				...logged,
				outcome: result.replayed ? "replayed" : "confirmed",
				appointment_id: result.appointment.id,
				duration_ms: Date.now() - started,
			});
			if (result.replayed) c.header("Idempotent-Replayed", "true");
			return c.json({ appointment: result.appointment }, 201);
		}
		const code = result.code === "WRONG_DAY" ? "DAY_UNAVAILABLE" : result.code;
		logBooking(refusalEvent(code), {
			...logged,
			outcome: "refused",
			code,
			duration_ms: Date.now() - started,
		});
		if (result.code === "IDEMPOTENCY_KEY_REUSED" || result.code === "DOCTOR_NOT_FOUND")
			throw new ApiError(result.code);
		if (result.code === "WRONG_DAY") throw new ApiError("DAY_UNAVAILABLE");
		const counts = { current_bookings: result.booked, max_capacity: result.capacity };
		if (result.code !== "SLOT_FULL") throw new ApiError(result.code, undefined, counts);
		const alternatives = await nearestAlternatives(
			c.env,
			body.doctor_id,
			date,
			body.start,
			result.sameDayAlternatives,
		);
		throw new ApiError("SLOT_FULL", undefined, { ...counts, alternatives });
	},
);

appointmentRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointments/{id}",
		middleware: [allow()] as const,
		tags: ["appointments"],
		summary: "Read an appointment (its patient, its doctor, or an admin)",
		security: bearer,
		request: { params: AppointmentIdParam },
		responses: { 200: jsonContent(AppointmentResponse, "The appointment"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const actor = requireActor(c);
		const appointment = await findAppointment(c.env, id);
		if (!canAccessAppointment(actor, appointment)) throw new ApiError("FORBIDDEN");
		return c.json({ appointment }, 200);
	},
);

appointmentRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointments",
		middleware: [allow()] as const,
		tags: ["appointments"],
		summary:
			"The caller's appointments (a patient's own, a doctor's, or all for admins), by start, a page at a time",
		security: bearer,
		request: { query: AppointmentListQuery },
		responses: {
			200: jsonContent(
				z.object({ appointments: z.array(Appointment), next_cursor: z.string().nullable() }),
				"Appointments",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { from, to, limit, cursor } = c.req.valid("query");
		const after = decodeCursor(cursor, "string");
		const actor = requireActor(c);
		const filters: (SQL | undefined)[] = [
			actor.role === "patient" ? eq(appointments.patientId, actor.userId) : undefined,
			actor.role === "doctor" ? eq(appointments.doctorId, actor.doctorId ?? "") : undefined,
			from === undefined ? undefined : gte(appointments.date, from),
			to === undefined ? undefined : lte(appointments.date, to),
			afterKey(appointments.start, appointments.id, after),
		];
		const rows = await database(c.env.DB)
			.select({ id: appointments.id, start: appointments.start, body: appointments.body })
			.from(appointments)
			.where(and(...filters))
			.orderBy(asc(appointments.start), asc(appointments.id))
			.limit(limit + 1);
		const page = pageOf(rows, limit, (row) => [row.start, row.id]);
		return c.json(
			{ appointments: page.items.map((r) => JSON.parse(r.body)), next_cursor: page.next_cursor },
			200,
		);
	},
);

appointmentRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointments/{id}/cancel",
		middleware: [allow()] as const,
		tags: ["appointments"],
		summary: "Cancel an appointment and free its place; repeating it is harmless",
		security: bearer,
		request: { params: AppointmentIdParam },
		responses: { 200: jsonContent(AppointmentResponse, "Cancelled"), ...errorResponses },
	}),
	async (c) => {
		const started = Date.now();
		const { id } = c.req.valid("param");
		const actor = requireActor(c);
		// A made-up id is refused here: it never reaches (and so never creates) an object.
		const owner = await verifyAppointmentId(c.env.AUTH_SECRET, id);
		if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
		hop(c.env, "worker→object", "before", "appointments.cancel");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).cancel(id, actor);
		if (!result.ok) throw new ApiError(result.code);
		const { appointment } = result;
		logEvent("appointment_cancelled", {
			doctor_id: appointment.doctor_id,
			patient_id: appointment.patient_id,
			slot: appointment.start,
			appointment_id: id,
			outcome: result.changed ? "cancelled" : "already_cancelled",
			duration_ms: Date.now() - started,
		});
		return c.json({ appointment }, 200);
	},
);
