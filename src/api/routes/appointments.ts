// /api/appointments: book, read, list and cancel. Every decision about a slot is the doctor-day object's.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import {
	type Actor,
	type Appointment as AppointmentRecord,
	canAccessAppointment,
} from "../../core/appointment";
import { mayBookMember } from "../../core/dependents";
import { database } from "../../db/client";
import { appointments } from "../../db/schema";
import type { BookRequest } from "../../doctor-day/results";
import { doctorDay } from "../../doctor-day/stub";
import { ownsDependent, verifyAppointmentId, verifyDayId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { logBooking, refusalEvent } from "../booking-log";
import { bookGroupOnDay, bookOnDay, findAppointment, nearestAlternatives } from "../day-calls";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { afterKey, decodeCursor, pageOf } from "../pagination";
import { withPatientNames } from "../patient-names";
import { patientFor } from "../patients";
import { placeRefused } from "../place-refusals";
import { rateLimit, rateLimitUser } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import {
	Appointment,
	AppointmentIdParam,
	AppointmentListQuery,
	BookBody,
	IdempotencyHeader,
} from "../schemas";
import { isRemovedDependent } from "../token-versions";

export const appointmentRoutes = newRouter();
const AppointmentResponse = z.object({ appointment: Appointment });

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
			201: jsonContent(
				z.union([AppointmentResponse, z.object({ appointments: z.array(Appointment) })]),
				"Booked (or the earlier booking of this key); with patient_ids, every appointment of the family",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const started = Date.now();
		const body = c.req.valid("json");
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const actor = requireActor(c);
		if (body.patient_ids !== undefined) {
			const booked = await bookFamily(c.env, actor, body, body.patient_ids, key);
			return c.json({ appointments: booked }, 201);
		}
		const patientId = await patientFor(c.env, actor, body.doctor_id, body.patient_id);
		const request: BookRequest = {
			patientId,
			bookedBy: actor.userId,
			start: body.start,
			consultationMode: body.consultation_mode,
			reason: body.reason ?? null,
			idempotencyKey: key,
			holdId: body.hold_id ?? null,
			expectedVersion: body.expected_version ?? null,
			type: body.type ?? null,
		};
		const { date, result } =
			body.hold_id === undefined
				? await bookOnDay(c.env, await doctorRoute(c.env, body.doctor_id), request)
				: await bookHeld(c.env, body.doctor_id, body.hold_id, request);
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
		if (result.code !== "SLOT_FULL") throw placeRefused(result);
		const alternatives = await nearestAlternatives(
			c.env,
			body.doctor_id,
			date,
			body.start,
			result.sameDayAlternatives,
		);
		throw placeRefused(result, { alternatives });
	},
);

/**
 * A family booking: the caller and their dependents into one slot, all or none, in one call to the day. Who
 * may be booked is read from the ids themselves (a dependent's id carries a MAC of its owner), so nothing
 * waits on D1 before the day's answer.
 */
async function bookFamily(
	env: Env,
	actor: Actor,
	body: z.infer<typeof BookBody>,
	patientIds: string[],
	key: string | null,
): Promise<AppointmentRecord[]> {
	if (actor.role !== "patient") throw new ApiError("FORBIDDEN", "Only a patient books for their family.");
	const invalid = (path: string, message: string) =>
		new ApiError("VALIDATION_ERROR", `${path}: ${message}`, { issues: [{ path, message }] });
	if (body.patient_id !== undefined || body.hold_id !== undefined)
		throw invalid("patient_ids", "Not with patient_id or hold_id.");
	if (new Set(patientIds).size !== patientIds.length) throw invalid("patient_ids", "Each patient once.");
	// A removed dependent is known from this isolate's revocations read, which the token check already made.
	const members = await Promise.all(
		patientIds.map(async (id) =>
			mayBookMember(
				actor.userId,
				id,
				await ownsDependent(env.AUTH_SECRET, actor.userId, id),
				isRemovedDependent(id),
			),
		),
	);
	if (members.includes(false))
		throw new ApiError("FORBIDDEN", "You may book only yourself and your dependents.");
	const { date, result } = await bookGroupOnDay(env, await doctorRoute(env, body.doctor_id), {
		patientIds,
		bookedBy: actor.userId,
		start: body.start,
		consultationMode: body.consultation_mode,
		reason: body.reason ?? null,
		idempotencyKey: key,
		expectedVersion: body.expected_version ?? null,
	});
	if (result.ok) return result.appointments;
	if (result.code === "IDEMPOTENCY_KEY_REUSED" || result.code === "DOCTOR_NOT_FOUND")
		throw new ApiError(result.code);
	if (result.code === "WRONG_DAY") throw new ApiError("DAY_UNAVAILABLE");
	if (result.code !== "SLOT_FULL") throw placeRefused(result);
	const alternatives = await nearestAlternatives(
		env,
		body.doctor_id,
		date,
		body.start,
		result.sameDayAlternatives,
	);
	throw placeRefused(result, { alternatives });
}

/** A booking that confirms a hold goes to the hold's own day, named by its id: the place is there. */
async function bookHeld(env: Env, doctorId: string, holdId: string, request: BookRequest) {
	const owner = await verifyDayId(env.AUTH_SECRET, "hold", holdId);
	if (owner === null) throw new ApiError("NOT_FOUND", "No such hold.");
	if (owner.doctorId !== doctorId) throw placeRefused({ ...NO_PLACE, code: "HOLD_MISMATCH" });
	hop(env, "worker→object", "before", "appointments.bookHeld");
	const result = await doctorDay(env, owner.doctorId, owner.date).book(owner, request);
	// The hold's day says the slot is another day's: the hold cannot be for it.
	if (!result.ok && result.code === "WRONG_DAY") throw placeRefused({ ...NO_PLACE, code: "HOLD_MISMATCH" });
	return { date: owner.date, result };
}

const NO_PLACE = { ok: false, booked: 0, capacity: 0, slot: null, version: 0 } as const;

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
		const [named] = await withPatientNames(c.env, actor, [appointment]);
		return c.json({ appointment: named ?? appointment }, 200);
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
		const listed = page.items.map((r) => JSON.parse(r.body) as AppointmentRecord);
		return c.json(
			{ appointments: await withPatientNames(c.env, actor, listed), next_cursor: page.next_cursor },
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
