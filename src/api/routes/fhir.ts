// The FHIR R4 read API under /fhir/r4: Practitioner, Schedule, Slot (from the day objects) and Appointment.
// It speaks FHIR's own error shape (OperationOutcome), not the JSON API's, so FHIR clients can read it.
import type { Resource } from "fhir/r4";
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type Actor, canAccessAppointment, DOCTOR_ID_PATTERN } from "../../core/appointment";
import { inDayWindow } from "../../core/day-window";
import * as fhir from "../../core/fhir-resources";
import { parseReference, parseStartRange } from "../../core/fhir-search";
import { localDateOf } from "../../core/time";
import { database } from "../../db/client";
import { doctorDay } from "../../doctor-day/stub";
import { authenticate, requireActor } from "../auth";
import type { AppEnv } from "../context";
import { findAppointment } from "../day-calls";
import { type DoctorRow, findDoctor } from "../doctor-records";
import { requireVisible } from "../doctor-view";
import { ApiError, type ErrorCode } from "../errors";
import { limitPublicReads } from "../rate-limit";

export const FHIR_BASE_PATH = "/fhir/r4";
export const fhirRoutes = new Hono<AppEnv>();
/** When this isolate started serving: the CapabilityStatement's date. */
const STARTED = new Date().toISOString();

const ISSUES: Partial<Record<ErrorCode, fhir.IssueCode>> = {
	VALIDATION_ERROR: "invalid",
	UNAUTHORIZED: "login",
	FORBIDDEN: "forbidden",
	DOCTOR_NOT_FOUND: "not-found",
	APPOINTMENT_NOT_FOUND: "not-found",
	NOT_FOUND: "not-found",
	RATE_LIMITED: "throttled",
};

function send(c: Context<AppEnv>, resource: Resource, status: 200 | 400 | 401 | 403 | 404 | 429 | 500 = 200) {
	return c.body(JSON.stringify(resource), status, { "content-type": `${fhir.FHIR_JSON}; charset=utf-8` });
}

function base(c: Context<AppEnv>): string {
	return new URL(FHIR_BASE_PATH, c.req.url).href;
}

function invalid(problem: string): never {
	throw new ApiError("VALIDATION_ERROR", problem);
}

/** The doctor, or null if there is none or the caller may not see it yet (unapproved). */
async function visibleDoctor(env: Env, id: string, actor: Actor | null): Promise<DoctorRow | null> {
	if (!DOCTOR_ID_PATTERN.test(id)) return null;
	try {
		return requireVisible(id, await findDoctor(database(env.DB), id), actor);
	} catch (error) {
		if (error instanceof ApiError && error.code === "DOCTOR_NOT_FOUND") return null;
		throw error;
	}
}

function today(doctor: DoctorRow): string {
	return localDateOf(Date.now(), doctor.timezone ?? "UTC");
}

fhirRoutes.use("*", authenticate);

fhirRoutes.get("/metadata", (c) => send(c, fhir.capabilityStatement(base(c), STARTED)));

fhirRoutes.get("/Practitioner/:id", limitPublicReads, async (c) => {
	const id = c.req.param("id");
	const doctor = await visibleDoctor(c.env, id, c.get("actor"));
	if (doctor === null) throw new ApiError("NOT_FOUND", `No Practitioner ${id.slice(0, 80)}.`);
	return send(c, fhir.practitioner(doctor));
});

fhirRoutes.get("/Schedule/:id", limitPublicReads, async (c) => {
	const id = c.req.param("id");
	const doctor = await visibleDoctor(c.env, id, c.get("actor"));
	if (doctor?.timezone == null) throw new ApiError("NOT_FOUND", `No Schedule ${id.slice(0, 80)}.`);
	return send(c, fhir.schedule(doctor, today(doctor)));
});

fhirRoutes.get("/Schedule", limitPublicReads, async (c) => {
	const actor = parseReference("Practitioner", c.req.queries("actor") ?? [], "actor");
	if (!actor.ok) invalid(actor.problem);
	const doctor = await visibleDoctor(c.env, actor.value, c.get("actor"));
	// A doctor with no schedule yet (no zone) has none to find.
	const found = doctor?.timezone == null ? [] : [fhir.schedule(doctor, today(doctor))];
	return send(c, fhir.searchset(base(c), c.req.url, found));
});

fhirRoutes.get("/Slot", limitPublicReads, async (c) => {
	const schedule = parseReference("Schedule", c.req.queries("schedule") ?? [], "schedule");
	if (!schedule.ok) invalid(schedule.problem);
	const doctor = await visibleDoctor(c.env, schedule.value, c.get("actor"));
	// The range is checked before anything else is read; a zone-less doctor's dates are read as UTC's.
	const range = parseStartRange(c.req.queries("start") ?? [], doctor?.timezone ?? "UTC");
	if (!range.ok) invalid(range.problem);
	if (doctor?.timezone == null) return send(c, fhir.searchset(base(c), c.req.url, []));
	const route = { ...doctor, doctorId: doctor.id };
	const now = Date.now();
	// One call per day object, at most 31, side by side; dates outside the doctor's window have no slots.
	const days = await Promise.all(
		range.value.dates
			.filter((date) => inDayWindow(route, date, now))
			.map((date) => doctorDay(c.env, doctor.id, date).availability({ doctorId: doctor.id, date })),
	);
	const slots = days
		.flatMap((day) => day.slots)
		.filter((view) => {
			const start = Date.parse(view.start);
			return start >= range.value.from && start < range.value.to;
		})
		.map((view) => fhir.slot(doctor.id, view));
	return send(c, fhir.searchset(base(c), c.req.url, slots));
});

fhirRoutes.get("/Appointment/:id", async (c) => {
	const actor = requireActor(c);
	const appointment = await findAppointment(c.env, c.req.param("id"));
	if (!canAccessAppointment(actor, appointment)) throw new ApiError("FORBIDDEN");
	const doctor = await findDoctor(database(c.env.DB), appointment.doctor_id);
	return send(c, fhir.appointment(appointment, doctor.name));
});

fhirRoutes.all("*", (c) => {
	const what = `${c.req.method} ${c.req.path}`;
	throw new ApiError(
		"NOT_FOUND",
		`This server has no FHIR interaction ${what}; see ${FHIR_BASE_PATH}/metadata.`,
	);
});

fhirRoutes.onError((error, c) => {
	let apiError = error instanceof ApiError ? error : null;
	if (apiError === null && error instanceof HTTPException && error.status < 500) {
		apiError = new ApiError("VALIDATION_ERROR", error.message);
	}
	if (apiError === null) {
		console.error(
			JSON.stringify({ event: "internal_error", request_id: c.get("requestId"), error: String(error) }),
		);
		return send(c, fhir.operationOutcome("exception", "Something went wrong on our side."), 500);
	}
	if (apiError.code === "RATE_LIMITED") c.header("Retry-After", "60");
	const status = apiError.status as 400 | 401 | 403 | 404 | 429;
	return send(c, fhir.operationOutcome(ISSUES[apiError.code] ?? "invalid", apiError.message), status);
});
