// The day of the visit: a doctor's (or admin's) status changes of an appointment, and one day's appointments
// with the patients' names. Every move is decided by the appointment's doctor-day object (src/core/lifecycle.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { inDayWindow } from "../../core/day-window";
import { doctorDay } from "../../doctor-day/stub";
import { verifyAppointmentId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, allowDoctorOrAdmin, requireActor } from "../auth";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { withPatientNames } from "../patient-names";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Appointment, AppointmentIdParam, DateString, DoctorIdParam, StatusBody } from "../schemas";

export const visitDayRoutes = newRouter();

visitDayRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointments/{id}/status",
		middleware: [allow("doctor", "admin")] as const,
		tags: ["appointments"],
		summary: "Move an appointment on (confirm or decline a pending one, check in, completed, no-show)",
		security: bearer,
		request: { params: AppointmentIdParam, body: jsonBody(StatusBody) },
		responses: { 200: jsonContent(z.object({ appointment: Appointment }), "Moved"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const { status } = c.req.valid("json");
		const actor = requireActor(c, "doctor", "admin");
		const owner = await verifyAppointmentId(c.env.AUTH_SECRET, id);
		if (owner === null) throw new ApiError("APPOINTMENT_NOT_FOUND");
		// Another doctor's appointment is refused here, before its object is touched.
		if (actor.role === "doctor" && actor.doctorId !== owner.doctorId) throw new ApiError("FORBIDDEN");
		hop(c.env, "worker→object", "before", "visit-day.status");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).changeStatus(id, actor, status);
		if (!result.ok) throw new ApiError(result.code);
		logEvent("appointment_status_changed", {
			doctor_id: owner.doctorId,
			appointment_id: id,
			status,
			actor: actor.userId,
			outcome: result.changed ? "changed" : "unchanged",
		});
		const [appointment] = await withPatientNames(c.env, actor, [result.appointment]);
		return c.json({ appointment: appointment ?? result.appointment }, 200);
	},
);

visitDayRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/days/{date}/appointments",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["appointments"],
		summary: "Every appointment of one doctor-day, any status, with patients' names (that doctor, admins)",
		security: bearer,
		request: { params: DoctorIdParam.extend({ date: DateString }) },
		responses: {
			200: jsonContent(
				z.object({
					doctor_id: z.string(),
					date: z.string(),
					timezone: z.string().nullable(),
					appointments: z.array(Appointment),
				}),
				"The day's appointments, by start (a day holds at most its slots' places: no pages)",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id, date } = c.req.valid("param");
		const actor = requireActor(c);
		const route = await doctorRoute(c.env, doctor_id);
		const body = { doctor_id, date, timezone: route.timezone };
		// A date no slot can fall on has no appointments: no object is created for it.
		if (!inDayWindow(route, date, Date.now())) return c.json({ ...body, appointments: [] }, 200);
		hop(c.env, "worker→object", "before", "visit-day.day");
		const appointments = await doctorDay(c.env, doctor_id, date).dayAppointments();
		return c.json({ ...body, appointments: await withPatientNames(c.env, actor, appointments) }, 200);
	},
);
