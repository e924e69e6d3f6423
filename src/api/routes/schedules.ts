// /api/doctors/:doctor_id/schedule: the weekly schedule, written to D1 and pushed to the doctor's days.
import { createRoute, z } from "@hono/zod-openapi";
import { eq, getTableColumns, sql } from "drizzle-orm";
import { previewSlots } from "../../core/schedule-preview";
import { WEEKDAYS, weekdayOf } from "../../core/time";
import { type Db, database } from "../../db/client";
import { doctors, scheduleRanges } from "../../db/schema";
import { nowIso } from "../../lib/ids";
import { allowDoctorOrAdmin, requireDoctorOrAdmin } from "../auth";
import { clinicDefaults } from "../clinic-records";
import { type DoctorRow, findDoctor } from "../doctor-records";
import { requireVisible } from "../doctor-view";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { pushDoctorConfig } from "../push";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Appointment, DoctorIdParam, ScheduleBody, SchedulePreviewBody } from "../schemas";

export const scheduleRoutes = newRouter();
type Schedule = z.output<typeof ScheduleBody>;
type RangeInsert = typeof scheduleRanges.$inferInsert;

// D1 binds at most 100 variables per statement, and a range row binds one per column: a week of up to
// 7 × 48 ranges is written as several inserts, all inside the one batch so the write stays all-or-nothing.
const D1_MAX_VARIABLES = 100;
const RANGES_PER_INSERT = Math.floor(D1_MAX_VARIABLES / Object.keys(getTableColumns(scheduleRanges)).length);

function chunks<T>(items: readonly T[], size: number): T[][] {
	return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
		items.slice(i * size, (i + 1) * size),
	);
}

export function scheduleOf(doctor: DoctorRow, ranges: readonly RangeInsert[]): Schedule | null {
	if (doctor.timezone === null) return null;
	const weekly = Object.fromEntries(
		WEEKDAYS.map((day, index) => [
			day,
			ranges
				.filter((r) => r.weekday === index)
				.map((r) =>
					r.capacity === null || r.capacity === undefined
						? { start: r.start, end: r.end }
						: { start: r.start, end: r.end, capacity: r.capacity },
				)
				.sort((a, b) => a.start.localeCompare(b.start)),
		]),
	) as Schedule["weekly"];
	return {
		timezone: doctor.timezone,
		slot_minutes: doctor.slotMinutes,
		capacity: doctor.capacity,
		horizon_days: doctor.horizonDays,
		max_per_patient_per_day: doctor.maxPerPatientPerDay,
		hold_seconds: doctor.holdSeconds,
		offer_seconds: doctor.offerSeconds,
		requires_approval: doctor.requiresApproval,
		buffer_minutes: doctor.bufferMinutes,
		min_notice_minutes: doctor.minNoticeMinutes,
		cancel_cutoff_minutes: doctor.cancelCutoffMinutes,
		max_per_day: doctor.maxPerDay,
		reserved_places: doctor.reservedPlaces,
		appointment_types: JSON.parse(doctor.appointmentTypes) as Schedule["appointment_types"],
		weekly,
	};
}

/** The schedule's zone and capacity, or its doctor's clinic's where it names none; a zone is required. */
async function zoneAndCapacity(
	db: Db,
	doctor: DoctorRow,
	body: { timezone?: string | undefined; capacity?: number | undefined },
): Promise<{ timezone: string; capacity: number }> {
	const fromClinic = await clinicDefaults(db, doctor.clinicId);
	const timezone = body.timezone ?? fromClinic?.timezone;
	if (timezone === undefined) {
		throw new ApiError("VALIDATION_ERROR", "timezone: required (the doctor belongs to no clinic).", {
			issues: [{ path: "timezone", message: "Required: the doctor belongs to no clinic." }],
		});
	}
	return { timezone, capacity: body.capacity ?? fromClinic?.capacity ?? 1 };
}

scheduleRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/schedule",
		tags: ["schedules"],
		summary:
			"Read a doctor's weekly schedule (null until one is set; unapproved: admins and that doctor only)",
		request: { params: DoctorIdParam },
		responses: {
			200: jsonContent(z.object({ schedule: ScheduleBody.nullable() }), "The schedule"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const db = database(c.env.DB);
		const doctor = requireVisible(doctor_id, await findDoctor(db, doctor_id), c.get("actor"));
		const ranges = await db
			.select()
			.from(scheduleRanges)
			.where(eq(scheduleRanges.doctorId, doctor_id))
			.orderBy(scheduleRanges.start);
		return c.json({ schedule: scheduleOf(doctor, ranges) }, 200);
	},
);

scheduleRoutes.openapi(
	createRoute({
		method: "put",
		path: "/api/doctors/{doctor_id}/schedule",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["schedules"],
		summary: "Replace the weekly schedule; bookings it leaves outside are listed, never cancelled",
		security: bearer,
		request: { params: DoctorIdParam, body: jsonBody(ScheduleBody) },
		responses: {
			200: jsonContent(
				z.object({
					schedule: ScheduleBody,
					affected_appointments: z.array(Appointment),
					// Days of the horizon that have not taken the change yet; the doctor's object keeps pushing.
					pending_days: z.array(z.string()),
				}),
				"The stored schedule",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const started = Date.now();
		const { doctor_id } = c.req.valid("param");
		const body = c.req.valid("json");
		const actor = requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		const before = await findDoctor(db, doctor_id);
		const { timezone, capacity } = await zoneAndCapacity(db, before, body);
		const rows: RangeInsert[] = WEEKDAYS.flatMap((day, weekday) =>
			body.weekly[day].map((r) => ({
				doctorId: doctor_id,
				weekday,
				start: r.start,
				end: r.end,
				capacity: r.capacity ?? null,
			})),
		);
		// One D1 batch is one transaction: readers see the old schedule or the new one, never half of each.
		const [updated] = await db.batch([
			db
				.update(doctors)
				.set({
					timezone,
					slotMinutes: body.slot_minutes,
					capacity,
					horizonDays: body.horizon_days,
					maxPerPatientPerDay: body.max_per_patient_per_day,
					holdSeconds: body.hold_seconds,
					offerSeconds: body.offer_seconds,
					requiresApproval: body.requires_approval,
					bufferMinutes: body.buffer_minutes,
					minNoticeMinutes: body.min_notice_minutes,
					cancelCutoffMinutes: body.cancel_cutoff_minutes,
					maxPerDay: body.max_per_day,
					reservedPlaces: body.reserved_places,
					appointmentTypes: JSON.stringify(body.appointment_types),
					configVersion: sql`${doctors.configVersion} + 1`,
					updatedAt: nowIso(),
				})
				.where(eq(doctors.id, doctor_id))
				.returning(),
			db.delete(scheduleRanges).where(eq(scheduleRanges.doctorId, doctor_id)),
			...chunks(rows, RANGES_PER_INSERT).map((chunk) => db.insert(scheduleRanges).values(chunk)),
		]);
		const doctor = updated[0] ?? (await findDoctor(db, doctor_id));
		const { affected, pending } = await pushDoctorConfig(c.env, doctor, "schedule", {
			previousHorizonDays: before.horizonDays,
		});
		logEvent("schedule_changed", {
			doctor_id,
			actor: actor.userId,
			outcome: "ok",
			affected: affected.length,
			duration_ms: Date.now() - started,
		});
		const schedule = scheduleOf(doctor, rows) as Schedule;
		return c.json({ schedule, affected_appointments: affected, pending_days: pending }, 200);
	},
);

scheduleRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/doctors/{doctor_id}/schedule/preview",
		middleware: [allowDoctorOrAdmin] as const,
		tags: ["schedules"],
		summary: "The slots a schedule would give on `date`, before saving it; writes nothing",
		security: bearer,
		request: { params: DoctorIdParam, body: jsonBody(SchedulePreviewBody) },
		responses: {
			200: jsonContent(
				z.object({
					date: z.string(),
					timezone: z.string(),
					slots: z.array(
						z.object({
							start: z.string(),
							end: z.string(),
							time: z.string(),
							capacity: z.number(),
							patient_places: z.number(),
						}),
					),
				}),
				"The slots of that date under this schedule (bookings, unavailability and clinic closures aside)",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const body = c.req.valid("json");
		requireDoctorOrAdmin(c, doctor_id);
		const db = database(c.env.DB);
		const { timezone, capacity } = await zoneAndCapacity(db, await findDoctor(db, doctor_id), body);
		const ranges = body.weekly[weekdayOf(body.date)];
		const slots = previewSlots(
			{
				timezone,
				slotMinutes: body.slot_minutes,
				capacity,
				bufferMinutes: body.buffer_minutes,
				reservedPlaces: body.reserved_places,
				ranges,
			},
			body.date,
		);
		return c.json({ date: body.date, timezone, slots }, 200);
	},
);
