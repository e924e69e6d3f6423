// Consultation rooms: GET /api/appointments/:id/room (when and where) and …/room/live (the WebSocket).
import { createRoute, z } from "@hono/zod-openapi";
import { CONSULTATION_MODES } from "../../core/appointment";
import { hop } from "../../lib/hops";
import { roomRequest } from "../../room/room-messages";
import { roomObject } from "../../room/stub";
import { allow, requireActor } from "../auth";
import { readTicket } from "../live-tickets";
import { limitSocketUpgrades } from "../rate-limit";
import { IceServer, iceServers, requireRoomSeat, windowFields } from "../rooms";
import { bearer, errorResponses, jsonContent, newRouter } from "../router";
import { AppointmentIdParam } from "../schemas";
import { requireCurrentToken } from "../token-versions";
import { requireTicket, requireUpgrade, switching } from "./live";

export const roomRoutes = newRouter();

const RoomResponse = z
	.object({
		room: z.object({
			appointment_id: z.string(),
			consultation_mode: z.enum(CONSULTATION_MODES),
			you: z.enum(["patient", "doctor"]),
			opens_at: z.string().openapi({ format: "date-time" }),
			closes_at: z.string().openapi({ format: "date-time" }),
			page: z.string().openapi({ example: "/room?appointment=<id>" }),
			ice_servers: z
				.array(IceServer)
				.openapi({ description: "STUN/TURN servers for the call (ROOM_ICE_SERVERS)." }),
		}),
	})
	.openapi("Room");

roomRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointments/{id}/room",
		middleware: [allow()] as const,
		tags: ["rooms"],
		summary: "The room of a voice, video or chat appointment (its patient and doctor only)",
		description:
			"Open from 10 minutes before the start to 60 minutes after the end; outside that (or once cancelled) " +
			"409 ROOM_CLOSED with opens_at, closes_at and page. An in-person appointment has no room: 404 NOT_FOUND.",
		security: bearer,
		request: { params: AppointmentIdParam },
		responses: { 200: jsonContent(RoomResponse, "The room, open now"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const seat = await requireRoomSeat(c.env, requireActor(c), id);
		const room = {
			appointment_id: id,
			consultation_mode: seat.mode,
			you: seat.participant,
			...windowFields(id, seat.window),
			ice_servers: iceServers(c.env),
		};
		return c.json({ room }, 200);
	},
);

roomRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointments/{id}/room/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["rooms", "live"],
		summary: "WebSocket to the appointment's room: chat, presence and WebRTC signalling",
		description:
			'Opened with ?ticket= from POST /api/live-tickets {"channel": "room", appointment_id} (single use, 60 s), ' +
			"by the appointment's patient or doctor while the room is open. Protocol: README, Live channels.",
		request: { params: AppointmentIdParam, query: z.object({ ticket: z.string().max(4096).optional() }) },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const ticket = await readTicket(c.env.AUTH_SECRET, requireTicket(c, "the room"), "room", id);
		// The account may have been deleted since the ticket was issued.
		await requireCurrentToken(c.env, ticket.user_id, ticket.token_version);
		requireUpgrade(c);
		const actor = { userId: ticket.user_id, role: ticket.role, doctorId: ticket.doctor_id };
		const seat = await requireRoomSeat(c.env, actor, id);
		const pass = {
			appointmentId: id,
			patientId: seat.appointment.patient_id,
			doctorId: seat.appointment.doctor_id,
			mode: seat.mode,
			opensAt: seat.window.opensAt,
			closesAt: seat.window.closesAt,
			participant: seat.participant,
			userId: ticket.user_id,
			ticketId: ticket.id,
			ticketExpiresAt: ticket.expires_at,
			tokenExpiresAt: ticket.token_expires_at,
		};
		hop(c.env, "worker→object", "before", "live.room");
		return roomObject(c.env, id).fetch(roomRequest(c.req.url, pass));
	},
);
