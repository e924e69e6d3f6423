// /api/appointments: book, read, list and cancel. Every decision about a slot is the doctor-day object's.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import { type Actor, canAccessAppointment, parseAppointmentId } from "../core/appointment";
import { localDateOf } from "../core/time";
import { database } from "../db/client";
import { appointments, idempotencyKeys, users } from "../db/schema";
import { doctorDay } from "../doctor-day/stub";
import { nowIso } from "../lib/ids";
import { nearestAlternatives } from "./alternatives";
import { allow, requireActor } from "./auth";
import { dayConfigFor, loadRecordAround } from "./doctor-records";
import { ApiError } from "./errors";
import { logEvent } from "./log";
import { rateLimit } from "./rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "./router";
import {
	Appointment,
	AppointmentIdParam,
	BookBody,
	IdempotencyHeader,
	OptionalDateRangeQuery,
} from "./schemas";

export const appointmentRoutes = newRouter();
const AppointmentResponse = z.object({ appointment: Appointment });
const LIST_LIMIT = 500;

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
	const [patient] = await database(env.DB)
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.id, patientId), eq(users.role, "patient")));
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
		middleware: [allow(), rateLimit("BOOKING_LIMIT")] as const,
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
		const record = await loadRecordAround(database(c.env.DB), body.doctor_id, body.start);
		const claim =
			key === null ? null : await claimIdempotencyKey(c.env, actor, key, body.doctor_id, body.start);
		const date = localDateOf(body.start, record.doctor.timezone ?? "UTC");
		const result = await doctorDay(c.env, body.doctor_id, date).book(dayConfigFor(record, date), {
			patientId,
			bookedBy: actor.userId,
			start: body.start,
			consultationMode: body.consultation_mode,
			reason: body.reason ?? null,
			idempotencyKey: key,
		});
		if (claim !== null) await settleClaim(c.env, claim, result.ok);
		const logged = {
			doctor_id: body.doctor_id,
			patient_id: patientId,
			slot: new Date(body.start).toISOString(),
		};
		if (result.ok) {
			logEvent("appointment_booked", {
				...logged,
				outcome: result.replayed ? "replayed" : "confirmed",
				appointment_id: result.appointment.id,
				duration_ms: Date.now() - started,
			});
			if (result.replayed) c.header("Idempotent-Replayed", "true");
			return c.json({ appointment: result.appointment }, 201);
		}
		logEvent("booking_conflict", {
			...logged,
			outcome: "refused",
			code: result.code,
			duration_ms: Date.now() - started,
		});
		if (result.code === "IDEMPOTENCY_KEY_REUSED") throw new ApiError(result.code);
		if (result.code !== "SLOT_FULL") {
			throw new ApiError(result.code, undefined, {
				current_bookings: result.booked,
				max_capacity: result.capacity,
			});
		}
		const alternatives = await nearestAlternatives(
			c.env,
			record,
			date,
			body.start,
			result.sameDayAlternatives,
		);
		throw new ApiError("SLOT_FULL", undefined, {
			current_bookings: result.booked,
			max_capacity: result.capacity,
			alternatives,
		});
	},
);

type Claim = typeof idempotencyKeys.$inferInsert & { isNew: boolean };

/**
 * Binds the key to this request (doctor and start) in one atomic D1 insert before any object sees it, so
 * requests racing with one key to different doctor-days cannot both book. The same request again passes
 * and its doctor-day object replays the first answer; another request with the key is refused.
 */
async function claimIdempotencyKey(env: Env, actor: Actor, key: string, doctorId: string, start: number) {
	const db = database(env.DB);
	const row = {
		bookedBy: actor.userId,
		key,
		doctorId,
		start: new Date(start).toISOString(),
		createdAt: nowIso(),
	};
	const inserted = await db.insert(idempotencyKeys).values(row).onConflictDoNothing().returning();
	if (inserted.length > 0) return { ...row, isNew: true };
	const [held] = await db
		.select()
		.from(idempotencyKeys)
		.where(and(eq(idempotencyKeys.bookedBy, actor.userId), eq(idempotencyKeys.key, key)));
	if (held === undefined || held.doctorId !== doctorId || held.start !== row.start) {
		throw new ApiError("IDEMPOTENCY_KEY_REUSED");
	}
	return { ...row, isNew: false };
}

/**
 * A refused booking leaves nothing behind, so the claim it made is released and the key is free again; a
 * booking that succeeded keeps its claim (put back if a refused twin released it meanwhile).
 */
async function settleClaim(env: Env, claim: Claim, booked: boolean) {
	const db = database(env.DB);
	const { isNew, ...row } = claim;
	if (booked && !isNew) await db.insert(idempotencyKeys).values(row).onConflictDoNothing();
	if (!booked && isNew) {
		await db
			.delete(idempotencyKeys)
			.where(and(eq(idempotencyKeys.bookedBy, row.bookedBy), eq(idempotencyKeys.key, row.key)));
	}
}

/** Finds the appointment in its own doctor-day object, which is authoritative even before D1 has it. */
async function findAppointment(env: Env, id: string) {
	const owner = parseAppointmentId(id);
	if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
	const appointment = await doctorDay(env, owner.doctorId, owner.date).appointment(id);
	if (appointment === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
	return appointment;
}

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
		summary: "The caller's appointments (a patient's own, a doctor's, or all for admins), by start",
		security: bearer,
		request: { query: OptionalDateRangeQuery },
		responses: {
			200: jsonContent(z.object({ appointments: z.array(Appointment) }), "Appointments"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { from, to } = c.req.valid("query");
		const actor = requireActor(c);
		const filters: (SQL | undefined)[] = [
			actor.role === "patient" ? eq(appointments.patientId, actor.userId) : undefined,
			actor.role === "doctor" ? eq(appointments.doctorId, actor.doctorId ?? "") : undefined,
			from === undefined ? undefined : gte(appointments.date, from),
			to === undefined ? undefined : lte(appointments.date, to),
		];
		const rows = await database(c.env.DB)
			.select({ body: appointments.body })
			.from(appointments)
			.where(and(...filters))
			.orderBy(asc(appointments.start), asc(appointments.id))
			.limit(LIST_LIMIT);
		return c.json({ appointments: rows.map((r) => JSON.parse(r.body)) }, 200);
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
		const owner = parseAppointmentId(id);
		if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
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
