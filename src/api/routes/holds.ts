// /api/holds: keep one place while the patient fills the form; the doctor-day object decides and expires it.
import { createRoute, z } from "@hono/zod-openapi";
import { doctorDay } from "../../doctor-day/stub";
import { verifyDayId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { holdOnDay } from "../day-calls";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { patientFor } from "../patients";
import { placeRefused } from "../place-refusals";
import { rateLimit } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Hold, HoldBody, HoldIdParam } from "../schemas";

export const holdRoutes = newRouter();
const HoldResponse = z.object({ hold: Hold });

holdRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/holds",
		// Counted with booking attempts per address; not per user, since every slot a patient clicks moves it.
		middleware: [allow(), rateLimit("BOOKING_LIMIT")] as const,
		tags: ["holds"],
		summary: "Hold one place for hold_seconds; the patient's earlier hold on that doctor-day is replaced",
		security: bearer,
		request: { body: jsonBody(HoldBody) },
		responses: { 201: jsonContent(HoldResponse, "Held"), ...errorResponses },
	}),
	async (c) => {
		const body = c.req.valid("json");
		const actor = requireActor(c);
		const patientId = await patientFor(c.env, actor, body.doctor_id, body.patient_id);
		const route = await doctorRoute(c.env, body.doctor_id);
		const { result } = await holdOnDay(c.env, route, {
			patientId,
			placedBy: actor.userId,
			start: body.start,
			expectedVersion: body.expected_version ?? null,
			type: body.type ?? null,
		});
		if (result.ok) return c.json({ hold: result.hold }, 201);
		if (result.code === "DOCTOR_NOT_FOUND") throw new ApiError("DOCTOR_NOT_FOUND");
		if (result.code === "WRONG_DAY") throw new ApiError("DAY_UNAVAILABLE");
		throw placeRefused(result);
	},
);

holdRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/holds/{id}",
		middleware: [allow()] as const,
		tags: ["holds"],
		summary: "Release a hold (its patient, the doctor, admin); harmless twice",
		security: bearer,
		request: { params: HoldIdParam },
		responses: { 200: jsonContent(HoldResponse, "Released (or already ended)"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const actor = requireActor(c);
		// A made-up id is refused here: it never reaches (and so never creates) an object.
		const owner = await verifyDayId(c.env.AUTH_SECRET, "hold", id);
		if (owner === null) throw new ApiError("NOT_FOUND", "No such hold.");
		hop(c.env, "worker→object", "before", "holds.release");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).releaseHold(id, actor);
		if (!result.ok)
			throw new ApiError(result.code, result.code === "NOT_FOUND" ? "No such hold." : undefined);
		return c.json({ hold: result.hold }, 200);
	},
);
