// /api/appointment-series: repeating appointments, all or none. One call to the doctor's object, which owns
// the series and its saga (src/doctor/series-saga.ts); a series is N doctor-days, so that object calls each.
import { createRoute, z } from "@hono/zod-openapi";
import type { SeriesResult } from "../../doctor/series-saga";
import { doctorObject } from "../../doctor/stub";
import { verifySeriesId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { rateLimit } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { IdempotencyHeader, Series, SeriesBody, SeriesIdParam } from "../schemas";

export const seriesRoutes = newRouter();
const SeriesResponse = z.object({ series: Series });

seriesRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointment-series",
		middleware: [allow("patient"), rateLimit("BOOKING_LIMIT")] as const,
		tags: ["appointments"],
		summary:
			"Book one slot every 1–4 weeks, 2–26 times, all or none; a conflict lists each occurrence that cannot be had",
		security: bearer,
		request: { headers: IdempotencyHeader, body: jsonBody(SeriesBody) },
		responses: { 201: jsonContent(SeriesResponse, "Every occurrence booked"), ...errorResponses },
	}),
	async (c) => {
		const started = Date.now();
		const body = c.req.valid("json");
		const key = c.req.valid("header")["idempotency-key"] ?? null;
		const actor = requireActor(c);
		// An unknown doctor is a 404 here, before any object is touched.
		await doctorRoute(c.env, body.doctor_id);
		hop(c.env, "worker→object", "before", "series.start");
		const result = await doctorObject(c.env, body.doctor_id).startSeries(
			{
				doctorId: body.doctor_id,
				patientId: actor.userId,
				start: body.start,
				everyWeeks: body.every_weeks,
				count: body.count,
				consultationMode: body.consultation_mode,
				reason: body.reason ?? null,
			},
			actor,
			key,
		);
		logEvent("appointment_series", {
			doctor_id: body.doctor_id,
			count: body.count,
			outcome: result.ok ? (result.replayed ? "replayed" : "booked") : "refused",
			...(result.ok ? { series_id: result.series.id } : { code: result.code }),
			duration_ms: Date.now() - started,
		});
		if (!result.ok) throw seriesRefused(result);
		if (result.replayed) c.header("Idempotent-Replayed", "true");
		return c.json({ series: result.series }, 201);
	},
);

seriesRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointment-series/{id}",
		middleware: [allow()] as const,
		tags: ["appointments"],
		summary: "A series with its appointments as they are now (its patient, its doctor, admin)",
		security: bearer,
		request: { params: SeriesIdParam },
		responses: { 200: jsonContent(SeriesResponse, "The series"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const doctorId = await seriesOwner(c.env, id);
		hop(c.env, "worker→object", "before", "series.get");
		const result = await doctorObject(c.env, doctorId).seriesOf(id, requireActor(c));
		if (!result.ok) throw seriesRefused(result);
		return c.json({ series: result.series }, 200);
	},
);

seriesRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/appointment-series/{id}/cancel",
		middleware: [allow()] as const,
		tags: ["appointments"],
		summary: "Cancel the occurrences still to come; harmless twice, and a retry finishes the job",
		security: bearer,
		request: { params: SeriesIdParam },
		responses: {
			200: jsonContent(SeriesResponse, "The series, its remaining occurrences cancelled"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const doctorId = await seriesOwner(c.env, id);
		hop(c.env, "worker→object", "before", "series.cancel");
		const result = await doctorObject(c.env, doctorId).cancelSeries(id, requireActor(c));
		if (!result.ok) throw seriesRefused(result);
		return c.json({ series: result.series }, 200);
	},
);

/** The doctor whose object owns the series; a made-up id is refused before any object is touched. */
async function seriesOwner(env: Env, id: string): Promise<string> {
	const doctorId = await verifySeriesId(env.AUTH_SECRET, id);
	if (doctorId === null) throw new ApiError("NOT_FOUND", "No such series.");
	return doctorId;
}

function seriesRefused(result: Exclude<SeriesResult, { ok: true }>): ApiError {
	if (result.code === "SERIES_CONFLICT") {
		const conflicts = result.conflicts.map(({ start, code, alternatives }) => ({
			start,
			code,
			alternatives,
		}));
		return new ApiError("SERIES_CONFLICT", undefined, { conflicts });
	}
	return new ApiError(result.code, result.code === "NOT_FOUND" ? "No such series." : undefined);
}
