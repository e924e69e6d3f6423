// /api/doctors: create (admin), list and read (public), and change a doctor's details and flags.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, sql } from "drizzle-orm";
import { database } from "../../db/client";
import { doctors, users } from "../../db/schema";
import { newId, nowIso } from "../../lib/ids";
import { allow, allowDoctorOrAdmin, requireActor, requireDoctorOrAdmin } from "../auth";
import { requireClinicForDoctor } from "../clinic-records";
import { publicDoctor, requireVisible } from "../doctor-view";
import { ApiError } from "../errors";
import { afterKey, decodeCursor, pageOf } from "../pagination";
import { hashPassword } from "../passwords";
import { pushDoctorConfig } from "../push";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { CreateDoctorBody, Doctor, DoctorIdParam, DoctorListQuery, PatchDoctorBody } from "../schemas";

export const doctorRoutes = newRouter();
const DoctorResponse = z.object({ doctor: Doctor });

doctorRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/doctors",
		middleware: [allow("admin")] as const,
		tags: ["doctors"],
		summary: "Create a doctor and their login (admin)",
		security: bearer,
		request: { body: jsonBody(CreateDoctorBody) },
		responses: { 201: jsonContent(DoctorResponse, "Created"), ...errorResponses },
	}),
	async (c) => {
		requireActor(c, "admin");
		const body = c.req.valid("json");
		const db = database(c.env.DB);
		if (body.clinic_id != null) await requireClinicForDoctor(db, body.clinic_id);
		const now = nowIso();
		const doctor = {
			id: newId(),
			name: body.name,
			specialty: body.specialty ?? null,
			isAvailable: body.is_available ?? true,
			// An admin creating a doctor vouches for them, unless they say otherwise.
			isApproved: body.is_approved ?? true,
			clinicId: body.clinic_id ?? null,
			createdAt: now,
			updatedAt: now,
		};
		const login = {
			id: newId(),
			email: body.email,
			name: body.name,
			role: "doctor" as const,
			passwordHash: await hashPassword(body.password),
			doctorId: doctor.id,
			createdAt: now,
		};
		try {
			await db.batch([db.insert(doctors).values(doctor), db.insert(users).values(login)]);
		} catch (error) {
			if (String(error).includes("UNIQUE")) throw new ApiError("EMAIL_TAKEN");
			throw error;
		}
		const [row] = await db.select().from(doctors).where(eq(doctors.id, doctor.id));
		if (row === undefined) throw new Error("doctor vanished after insert");
		return c.json({ doctor: publicDoctor(row) }, 201);
	},
);

doctorRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors",
		tags: ["doctors"],
		summary: "List doctors (approved ones, or all for admins), by name, a page at a time",
		request: { query: DoctorListQuery },
		responses: {
			200: jsonContent(z.object({ doctors: z.array(Doctor), next_cursor: z.string().nullable() }), "Doctors"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { limit, cursor } = c.req.valid("query");
		const after = decodeCursor(cursor, "string");
		const isAdmin = c.get("actor")?.role === "admin";
		const rows = await database(c.env.DB)
			.select()
			.from(doctors)
			.where(
				and(isAdmin ? undefined : eq(doctors.isApproved, true), afterKey(doctors.name, doctors.id, after)),
			)
			.orderBy(asc(doctors.name), asc(doctors.id))
			.limit(limit + 1);
		const page = pageOf(rows, limit, (row) => [row.name, row.id]);
		return c.json({ doctors: page.items.map(publicDoctor), next_cursor: page.next_cursor }, 200);
	},
);

doctorRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}",
		tags: ["doctors"],
		summary: "Read one doctor (an unapproved one only as an admin or as that doctor)",
		request: { params: DoctorIdParam },
		responses: { 200: jsonContent(DoctorResponse, "The doctor"), ...errorResponses },
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const [row] = await database(c.env.DB).select().from(doctors).where(eq(doctors.id, doctor_id));
		if (row === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
		return c.json({ doctor: publicDoctor(requireVisible(row.id, row, c.get("actor"))) }, 200);
	},
);

doctorRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/api/doctors/{doctor_id}",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["doctors"],
		summary: "Change a doctor's details or flags (admin, or that doctor; only admins approve)",
		security: bearer,
		request: { params: DoctorIdParam, body: jsonBody(PatchDoctorBody) },
		responses: { 200: jsonContent(DoctorResponse, "The changed doctor"), ...errorResponses },
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const body = c.req.valid("json");
		const db = database(c.env.DB);
		const actor = requireDoctorOrAdmin(c, doctor_id);
		if (actor.role !== "admin" && body.is_approved !== undefined) {
			throw new ApiError("FORBIDDEN", "Only an admin can approve a doctor.");
		}
		if (actor.role !== "admin" && body.clinic_id !== undefined) {
			throw new ApiError("FORBIDDEN", "Only an admin can move a doctor between clinics.");
		}
		if (body.clinic_id != null) await requireClinicForDoctor(db, body.clinic_id);
		// A clinic brings its closed days: the doctor's days must hear of it as of a flag.
		const flagsChanged =
			body.is_available !== undefined || body.is_approved !== undefined || body.clinic_id !== undefined;
		const [row] = await db
			.update(doctors)
			.set({
				...(body.name === undefined ? {} : { name: body.name }),
				...(body.specialty === undefined ? {} : { specialty: body.specialty }),
				...(body.is_available === undefined ? {} : { isAvailable: body.is_available }),
				...(body.is_approved === undefined ? {} : { isApproved: body.is_approved }),
				...(body.clinic_id === undefined ? {} : { clinicId: body.clinic_id }),
				...(flagsChanged ? { configVersion: sql`${doctors.configVersion} + 1` } : {}),
				updatedAt: nowIso(),
			})
			.where(eq(doctors.id, doctor_id))
			.returning();
		if (row === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
		if (flagsChanged) await pushDoctorConfig(c.env, row, "doctor_flags");
		return c.json({ doctor: publicDoctor(row) }, 200);
	},
);
