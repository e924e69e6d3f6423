// /api/doctors/:doctor_id/unavailability: one-off blocks (a meeting, leave) that close slots on a date.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, between, eq, gte, lte, sql } from "drizzle-orm";
import type { Appointment as AppointmentShape } from "../../core/appointment";
import { type Db, database } from "../../db/client";
import { doctors, unavailability } from "../../db/schema";
import { newId, nowIso } from "../../lib/ids";
import { allowDoctorOrAdmin, requireDoctorOrAdmin } from "../auth";
import { insertBlock, updateBlock } from "../block-writes";
import { type BlockRow, findDoctor } from "../doctor-records";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { pushDoctorConfig } from "../push";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import {
	Appointment,
	DoctorIdParam,
	ErrorBody,
	OptionalDateRangeQuery,
	PatchUnavailabilityBody,
	startsBeforeEnd,
	Unavailability,
	UnavailabilityBody,
} from "../schemas";

export const unavailabilityRoutes = newRouter();

const BlockParams = DoctorIdParam.extend({ id: z.string().max(100) });
const Changed = z.object({ unavailability: Unavailability, affected_appointments: z.array(Appointment) });
const blockConflicts = {
	409: jsonContent(
		ErrorBody,
		"UNAVAILABILITY_EXISTS (an identical block) or UNAVAILABILITY_LIMIT (48 a date).",
	),
};

function view(row: BlockRow) {
	return {
		id: row.id,
		doctor_id: row.doctorId,
		date: row.date,
		start: row.start,
		end: row.end,
		reason: row.reason,
	};
}

const bumpVersion = (db: Db, doctorId: string) =>
	db
		.update(doctors)
		.set({ configVersion: sql`${doctors.configVersion} + 1`, updatedAt: nowIso() })
		.where(eq(doctors.id, doctorId))
		.returning();

async function findBlock(db: Db, doctorId: string, id: string): Promise<BlockRow> {
	const [row] = await db
		.select()
		.from(unavailability)
		.where(and(eq(unavailability.doctorId, doctorId), eq(unavailability.id, id)));
	if (row === undefined) throw new ApiError("NOT_FOUND", "No such unavailability.");
	return row;
}

/** Pushes the change to the touched dates and answers the bookings that overlap the block. */
async function pushBlock(
	env: Env,
	doctor: typeof doctors.$inferSelect,
	change: string,
	dates: string[],
	block?: BlockRow,
) {
	const { affected } = await pushDoctorConfig(env, doctor, change, { dates });
	if (block === undefined) return [];
	return affected.filter((a: AppointmentShape) => a.date === block.date);
}

unavailabilityRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/unavailability",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["unavailability"],
		summary: "List a doctor's unavailability (admin, or that doctor)",
		security: bearer,
		request: { params: DoctorIdParam, query: OptionalDateRangeQuery },
		responses: {
			200: jsonContent(z.object({ unavailability: z.array(Unavailability) }), "Blocks"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const { from, to } = c.req.valid("query");
		requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		await findDoctor(db, doctor_id);
		const rows = await db
			.select()
			.from(unavailability)
			.where(
				and(
					eq(unavailability.doctorId, doctor_id),
					from && to ? between(unavailability.date, from, to) : undefined,
					from && !to ? gte(unavailability.date, from) : undefined,
					to && !from ? lte(unavailability.date, to) : undefined,
				),
			)
			.orderBy(asc(unavailability.date), asc(unavailability.start));
		return c.json({ unavailability: rows.map(view) }, 200);
	},
);

unavailabilityRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/doctors/{doctor_id}/unavailability",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["unavailability"],
		summary:
			"Block a time on a date (no exact duplicates, at most 48 a date); bookings inside are listed, never cancelled",
		security: bearer,
		request: { params: DoctorIdParam, body: jsonBody(UnavailabilityBody) },
		responses: { 201: jsonContent(Changed, "Created"), ...errorResponses, ...blockConflicts },
	}),
	async (c) => {
		const started = Date.now();
		const { doctor_id } = c.req.valid("param");
		const body = c.req.valid("json");
		const actor = requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		await findDoctor(db, doctor_id);
		const block: BlockRow = {
			id: newId(),
			doctorId: doctor_id,
			date: body.date,
			start: body.start,
			end: body.end,
			reason: body.reason ?? null,
			createdAt: nowIso(),
		};
		const doctor = await insertBlock(db, block);
		const affected = await pushBlock(c.env, doctor, "unavailability_added", [block.date], block);
		logEvent("schedule_changed", {
			doctor_id,
			actor: actor.userId,
			change: "unavailability_added",
			outcome: "ok",
			affected: affected.length,
			duration_ms: Date.now() - started,
		});
		return c.json({ unavailability: view(block), affected_appointments: affected }, 201);
	},
);

unavailabilityRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/api/doctors/{doctor_id}/unavailability/{id}",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["unavailability"],
		summary: "Change a block",
		security: bearer,
		request: { params: BlockParams, body: jsonBody(PatchUnavailabilityBody) },
		responses: { 200: jsonContent(Changed, "Changed"), ...errorResponses, ...blockConflicts },
	}),
	async (c) => {
		const { doctor_id, id } = c.req.valid("param");
		const body = c.req.valid("json");
		const actor = requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		const old = await findBlock(db, doctor_id, id);
		const block: BlockRow = {
			...old,
			date: body.date ?? old.date,
			start: body.start ?? old.start,
			end: body.end ?? old.end,
			reason: body.reason === undefined ? old.reason : body.reason,
		};
		if (!startsBeforeEnd(block)) {
			throw new ApiError("VALIDATION_ERROR", "end: start must be before end.", {
				issues: [{ path: "end", message: "start must be before end." }],
			});
		}
		const doctor = await updateBlock(db, old, block);
		const affected = await pushBlock(
			c.env,
			doctor,
			"unavailability_changed",
			[...new Set([old.date, block.date])],
			block,
		);
		logEvent("schedule_changed", {
			doctor_id,
			actor: actor.userId,
			change: "unavailability_changed",
			outcome: "ok",
		});
		return c.json({ unavailability: view(block), affected_appointments: affected }, 200);
	},
);

unavailabilityRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/doctors/{doctor_id}/unavailability/{id}",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["unavailability"],
		summary: "Remove a block; its slots open again",
		security: bearer,
		request: { params: BlockParams },
		responses: {
			200: jsonContent(z.object({ unavailability: Unavailability }), "Removed"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id, id } = c.req.valid("param");
		const actor = requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		const old = await findBlock(db, doctor_id, id);
		const [doctor] = await bumpAfter(
			db,
			doctor_id,
			db.delete(unavailability).where(eq(unavailability.id, id)),
		);
		await pushBlock(c.env, doctor, "unavailability_removed", [old.date]);
		logEvent("schedule_changed", {
			doctor_id,
			actor: actor.userId,
			change: "unavailability_removed",
			outcome: "ok",
		});
		return c.json({ unavailability: view(old) }, 200);
	},
);

/** Runs `write` and the doctor's config version bump as one D1 transaction; answers the doctor row. */
async function bumpAfter(db: Db, doctorId: string, write: Parameters<Db["batch"]>[0][number]) {
	const [, updated] = await db.batch([write, bumpVersion(db, doctorId)]);
	const doctor = updated[0];
	if (doctor === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
	return [doctor] as const;
}
