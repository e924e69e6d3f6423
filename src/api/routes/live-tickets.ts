// POST /api/live-tickets: a single-use ticket, valid 60 s, that opens one authenticated live channel.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Actor } from "../../core/appointment";
import { allow, isAdminToken, requireActor, requireDoctorOrAdmin } from "../auth";
import type { AppEnv } from "../context";
import { doctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { CHANNELS, issueTicket } from "../live-tickets";
import { requireRoomSeat } from "../rooms";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";

export const liveTicketRoutes = newRouter();

const TicketBody = z
	.strictObject({
		channel: z.enum(CHANNELS),
		doctor_id: z.string().min(1).max(100).optional(),
		appointment_id: z.string().min(1).max(200).optional(),
	})
	.openapi("LiveTicketRequest");

const TicketResponse = z
	.object({
		ticket: z.string().openapi({ description: "Pass it as ?ticket= when opening the socket, once." }),
		expires_at: z.string().openapi({ format: "date-time" }),
	})
	.openapi("LiveTicket");

function invalid(path: string, message: string, extra: Record<string, unknown> = {}): ApiError {
	return new ApiError("VALIDATION_ERROR", `${path}: ${message}`, { issues: [{ path, message }], ...extra });
}

type TicketRequest = z.infer<typeof TicketBody>;

/** The doctor channel: that doctor (or an admin), a doctor that exists; its target is the doctor's id. */
async function doctorTarget(c: Context<AppEnv>, body: TicketRequest): Promise<string> {
	if (body.appointment_id !== undefined) throw invalid("appointment_id", "Only for the room channel.");
	if (body.doctor_id === undefined) throw invalid("doctor_id", "Required for the doctor channel.");
	requireDoctorOrAdmin(c, body.doctor_id);
	await doctorRoute(c.env, body.doctor_id);
	return body.doctor_id;
}

/** The "me" channel is the caller's own: no other field, and not for the admin token, which is no account. */
function meTarget(actor: Actor, body: TicketRequest): string {
	if (body.doctor_id !== undefined) throw invalid("doctor_id", "Only for the doctor channel.");
	if (body.appointment_id !== undefined) throw invalid("appointment_id", "Only for the room channel.");
	if (isAdminToken(actor))
		throw new ApiError("FORBIDDEN", "The admin token is not an account: it has no channel.");
	return actor.userId;
}

/** The room channel: the appointment's patient or doctor, at any time (the socket checks the window). */
async function roomTarget(env: Env, actor: Actor, body: TicketRequest): Promise<string> {
	if (body.doctor_id !== undefined) throw invalid("doctor_id", "Only for the doctor channel.");
	if (body.appointment_id === undefined) throw invalid("appointment_id", "Required for the room channel.");
	await requireRoomSeat(env, actor, body.appointment_id, true);
	return body.appointment_id;
}

liveTicketRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/live-tickets",
		middleware: [allow()] as const,
		tags: ["live"],
		summary: "A single-use ticket (60 s) for an authenticated WebSocket, so no token goes in a URL",
		description:
			'"doctor" (with doctor_id: that doctor, or an admin), "me" (the signed-in account\'s own channel, no ' +
			'other field; not for the admin token, which is no account) and "room" (with appointment_id: its ' +
			"patient or doctor).",
		security: bearer,
		request: { body: jsonBody(TicketBody) },
		responses: { 200: jsonContent(TicketResponse, "The ticket"), ...errorResponses },
	}),
	async (c) => {
		const body = c.req.valid("json");
		const actor = requireActor(c);
		const credential = c.get("credential");
		if (credential === null) throw new ApiError("UNAUTHORIZED");
		const target =
			body.channel === "room"
				? await roomTarget(c.env, actor, body)
				: body.channel === "me"
					? meTarget(actor, body)
					: await doctorTarget(c, body);
		const { ticket, expiresAt } = await issueTicket(
			c.env.AUTH_SECRET,
			{ actor, credential },
			body.channel,
			target,
		);
		return c.json({ ticket, expires_at: new Date(expiresAt).toISOString() }, 200);
	},
);
