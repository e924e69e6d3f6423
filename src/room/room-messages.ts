// The room protocol: what the Room object sends its participants, and the pass the Worker hands it with
// each socket. public/js/room-page.js speaks the same; what participants send is ClientFrame (src/core/room.ts).
import type { CandidateInit, FrameRefusal, Participant, RoomMode } from "../core/room";

export interface ChatMessage {
	type: "message";
	id: string;
	from: Participant;
	text: string;
	at: string;
}

export type RoomMessage =
	| {
			type: "joined";
			you: Participant;
			mode: RoomMode;
			opens_at: string;
			closes_at: string;
			present: Participant[];
	  }
	/** The room's chat so far, oldest first, in one or more frames right after "joined". */
	| { type: "history"; messages: ChatMessage[] }
	| ChatMessage
	| { type: "presence"; participant: Participant; state: "joined" | "left"; present: Participant[] }
	| { type: "offer" | "answer"; from: Participant; sdp: string }
	| { type: "candidate"; from: Participant; candidate: CandidateInit | null }
	| { type: "hangup"; from: Participant }
	/** `status`: the appointment's, when it gave up its place (cancelled, declined, rescheduled) before the window ended. */
	| { type: "room"; state: "closed"; closes_at: string; status?: string }
	| { type: "error"; code: FrameRefusal | "ROOM_FULL"; message: string };

/** Close codes: the token behind the ticket expired; the room closed; the same participant joined elsewhere. */
export const TOKEN_EXPIRED_CLOSE = 4001;
export const ROOM_CLOSED_CLOSE = 4002;
export const REPLACED_CLOSE = 4003;

/** What the Worker vouches for, having checked the ticket and the appointment. */
export interface RoomPass {
	appointmentId: string;
	patientId: string;
	doctorId: string;
	mode: RoomMode;
	opensAt: number;
	closesAt: number;
	participant: Participant;
	userId: string;
	ticketId: string;
	ticketExpiresAt: number;
	/** Null for ADMIN_TOKEN (which never joins a room, but the ticket type allows it). */
	tokenExpiresAt: number | null;
}

/** The header of the Worker→object hop that carries the pass; the Worker builds that request itself. */
export const PASS_HEADER = "x-docslot-room-pass";

export function roomRequest(url: string, pass: RoomPass): Request {
	return new Request(url, { headers: { upgrade: "websocket", [PASS_HEADER]: JSON.stringify(pass) } });
}
