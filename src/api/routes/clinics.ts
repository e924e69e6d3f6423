// /api/clinics: a clinic's zone, default capacity and closed days, which its doctors inherit. Closing a day
// reaches the doctors' day objects the way a schedule change does: through each doctor's Doctor object.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Appointment as AppointmentShape } from "../../core/appointment";
import { database } from "../../db/client";
import { clinics, doctors } from "../../db/schema";
import { newId, nowIso } from "../../lib/ids";
import { allow, requireActor } from "../auth";
import { findClinic, publicClinic } from "../clinic-records";
import { publicDoctor } from "../doctor-view";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { afterKey, decodeCursor, pageOf } from "../pagination";
import { pushDoctorConfig } from "../push";
import { limitPublicReads } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import {
	Appointment,
	Clinic,
	ClinicIdParam,
	ClinicListQuery,
	CreateClinicBody,
	Doctor,
	PatchClinicBody,
} from "../schemas";

export const clinicRoutes = newRouter();
const ClinicResponse = z.object({ clinic: Clinic });

clinicRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/clinics",
		middleware: [allow("admin")] as const,
		tags: ["clinics"],
		summary: "Create a clinic (admin)",
		security: bearer,
		request: { body: jsonBody(CreateClinicBody) },
		responses: { 201: jsonContent(ClinicResponse, "Created"), ...errorResponses },
	}),
	async (c) => {
		requireActor(c, "admin");
		const body = c.req.valid("json");
		const now = nowIso();
		const [row] = await database(c.env.DB)
			.insert(clinics)
			.values({
				id: newId(),
				name: body.name,
				timezone: body.timezone,
				defaultCapacity: body.default_capacity,
				closedWeekdays: JSON.stringify(body.closed_weekdays),
				holidays: JSON.stringify([...body.holidays].sort()),
				createdAt: now,
				updatedAt: now,
			})
			.returning();
		if (row === undefined) throw new Error("clinic vanished after insert");
		return c.json({ clinic: publicClinic(row) }, 201);
	},
);

clinicRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/clinics",
		middleware: [limitPublicReads] as const,
		tags: ["clinics"],
		summary: "List clinics by name, a page at a time",
		request: { query: ClinicListQuery },
		responses: {
			200: jsonContent(z.object({ clinics: z.array(Clinic), next_cursor: z.string().nullable() }), "Clinics"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { limit, cursor } = c.req.valid("query");
		const rows = await database(c.env.DB)
			.select()
			.from(clinics)
			.where(afterKey(clinics.name, clinics.id, decodeCursor(cursor, "string")))
			.orderBy(asc(clinics.name), asc(clinics.id))
			.limit(limit + 1);
		const page = pageOf(rows, limit, (row) => [row.name, row.id]);
		return c.json({ clinics: page.items.map(publicClinic), next_cursor: page.next_cursor }, 200);
	},
);

clinicRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/clinics/{clinic_id}",
		middleware: [limitPublicReads] as const,
		tags: ["clinics"],
		summary: "Read one clinic",
		request: { params: ClinicIdParam },
		responses: { 200: jsonContent(ClinicResponse, "The clinic"), ...errorResponses },
	}),
	async (c) => {
		const clinic = await findClinic(database(c.env.DB), c.req.valid("param").clinic_id);
		if (clinic === null) throw new ApiError("NOT_FOUND", "No such clinic.");
		return c.json({ clinic: publicClinic(clinic) }, 200);
	},
);

clinicRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/clinics/{clinic_id}/doctors",
		middleware: [limitPublicReads] as const,
		tags: ["clinics"],
		summary: "The clinic's approved doctors by name, a page at a time",
		request: { params: ClinicIdParam, query: ClinicListQuery },
		responses: {
			200: jsonContent(z.object({ doctors: z.array(Doctor), next_cursor: z.string().nullable() }), "Doctors"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { clinic_id } = c.req.valid("param");
		const { limit, cursor } = c.req.valid("query");
		const db = database(c.env.DB);
		const after = decodeCursor(cursor, "string");
		if ((await findClinic(db, clinic_id)) === null) throw new ApiError("NOT_FOUND", "No such clinic.");
		const rows = await db
			.select()
			.from(doctors)
			.where(
				and(
					eq(doctors.clinicId, clinic_id),
					eq(doctors.isApproved, true),
					afterKey(doctors.name, doctors.id, after),
				),
			)
			.orderBy(asc(doctors.name), asc(doctors.id))
			.limit(limit + 1);
		const page = pageOf(rows, limit, (row) => [row.name, row.id]);
		return c.json({ doctors: page.items.map(publicDoctor), next_cursor: page.next_cursor }, 200);
	},
);

clinicRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/api/clinics/{clinic_id}",
		middleware: [allow("admin")] as const,
		tags: ["clinics"],
		summary: "Change a clinic (admin); new closed days reach its doctors' days at once",
		security: bearer,
		request: { params: ClinicIdParam, body: jsonBody(PatchClinicBody) },
		responses: {
			200: jsonContent(
				ClinicResponse.extend({
					affected_appointments: z.array(Appointment),
					pending_days: z.array(z.object({ doctor_id: z.string(), date: z.string() })),
				}),
				"The changed clinic, the bookings now on closed days (kept), and days still being told",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		requireActor(c, "admin");
		const { clinic_id } = c.req.valid("param");
		const body = c.req.valid("json");
		const db = database(c.env.DB);
		const closuresChanged = body.closed_weekdays !== undefined || body.holidays !== undefined;
		const updateClinic = db
			.update(clinics)
			.set({
				...(body.name === undefined ? {} : { name: body.name }),
				...(body.timezone === undefined ? {} : { timezone: body.timezone }),
				...(body.default_capacity === undefined ? {} : { defaultCapacity: body.default_capacity }),
				...(body.closed_weekdays === undefined
					? {}
					: { closedWeekdays: JSON.stringify(body.closed_weekdays) }),
				...(body.holidays === undefined ? {} : { holidays: JSON.stringify([...body.holidays].sort()) }),
				updatedAt: nowIso(),
			})
			.where(eq(clinics.id, clinic_id))
			.returning();
		// New closed days: one batch moves the clinic and its doctors' config versions together, then each
		// doctor's days hear of it. Other fields touch no day.
		const [updated, members] = closuresChanged
			? await db.batch([
					updateClinic,
					db
						.update(doctors)
						.set({ configVersion: sql`${doctors.configVersion} + 1` })
						.where(eq(doctors.clinicId, clinic_id))
						.returning(),
				])
			: [await updateClinic, []];
		const clinic = updated[0];
		if (clinic === undefined) throw new ApiError("NOT_FOUND", "No such clinic.");
		const affected: AppointmentShape[] = [];
		const pending: { doctor_id: string; date: string }[] = [];
		const pushed = await Promise.all(members.map((doctor) => pushDoctorConfig(c.env, doctor, "clinic")));
		pushed.forEach((result, i) => {
			affected.push(...result.affected);
			const doctorId = members[i]?.id ?? "";
			pending.push(...result.pending.map((date) => ({ doctor_id: doctorId, date })));
		});
		logEvent("clinic_changed", { clinic_id, doctors: members.length, affected: affected.length });
		return c.json(
			{ clinic: publicClinic(clinic), affected_appointments: affected, pending_days: pending },
			200,
		);
	},
);
