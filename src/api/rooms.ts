// The Worker's side of consultation rooms: the appointment read from its own day object, who may be in its
// room and when (src/core/room.ts decides), and the STUN/TURN servers the room's calls use.
import { z } from "@hono/zod-openapi";
import type { Actor, Appointment } from "../core/appointment";
import { type Participant, type RoomMode, type RoomWindow, roomAccess } from "../core/room";
import { findAppointment } from "./day-calls";
import { ApiError } from "./errors";

export interface RoomSeat {
	appointment: Appointment;
	participant: Participant;
	mode: RoomMode;
	window: RoomWindow;
}

/** The page of an appointment's room. */
export const roomPage = (appointmentId: string) => `/room?appointment=${encodeURIComponent(appointmentId)}`;

/** The room's window as the API shows it; a ROOM_CLOSED refusal carries it too, so a page can count down. */
export function windowFields(appointmentId: string, window: RoomWindow) {
	return {
		opens_at: new Date(window.opensAt).toISOString(),
		closes_at: new Date(window.closesAt).toISOString(),
		page: roomPage(appointmentId),
	};
}

/** `actor`'s seat in the appointment's room, open now (or at any time, for `anyTime`); the contract's 4xx otherwise. */
export async function requireRoomSeat(
	env: Env,
	actor: Actor,
	appointmentId: string,
	anyTime = false,
): Promise<RoomSeat> {
	const appointment = await findAppointment(env, appointmentId);
	const access = roomAccess(actor, appointment, Date.now(), anyTime);
	if (!access.ok) {
		const details = access.window === undefined ? {} : windowFields(appointmentId, access.window);
		throw new ApiError(access.code, access.message, details);
	}
	return { appointment, participant: access.participant, mode: access.mode, window: access.window };
}

export const IceServer = z
	.object({
		urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
		username: z.string().optional(),
		credential: z.string().optional(),
	})
	.openapi("IceServer");
export type IceServer = z.infer<typeof IceServer>;

const parsedIceServers = new Map<string, IceServer[]>();

/** ROOM_ICE_SERVERS (a JSON array of RTCIceServer); a malformed setting fails loudly rather than calls silently. */
export function iceServers(env: Env): IceServer[] {
	const setting = env.ROOM_ICE_SERVERS || "[]";
	let servers = parsedIceServers.get(setting);
	if (servers === undefined) {
		servers = z.array(IceServer).parse(JSON.parse(setting));
		parsedIceServers.set(setting, servers);
	}
	return servers;
}
