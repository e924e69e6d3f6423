// Consultation rooms: which appointments have one, when it is open, who may join, and which frames a
// participant may send. Pure rules; the Room object and the Worker only apply them.
import type { Actor, Appointment, ConsultationMode } from "./appointment";
import type { DayEvent } from "./day-decider";
import { holdsPlace } from "./lifecycle";
import { normalizeText, textProblem } from "./text";

export const ROOM_MODES = ["voice", "video", "chat"] as const satisfies readonly ConsultationMode[];
export type RoomMode = (typeof ROOM_MODES)[number];
export type Participant = "patient" | "doctor";

/** A room opens this long before the appointment starts, so both can check their microphone and camera. */
export const OPENS_BEFORE_MS = 10 * 60_000;
/** And closes this long after it ends, so a consultation that runs over is not cut off. */
export const CLOSES_AFTER_MS = 60 * 60_000;

/** Limits of one frame a participant sends: a chat line, an SDP offer or answer, one ICE candidate. */
export const MAX_FRAME_CHARS = 32_000;
export const MAX_MESSAGE_CHARS = 2_000;
export const MAX_SDP_CHARS = 16_000;
export const MAX_CANDIDATE_CHARS = 1_000;
/** Chat lines kept per room; past it a line is refused, so one room cannot grow without bound. */
export const MAX_MESSAGES = 1_000;

export interface RoomWindow {
	opensAt: number;
	closesAt: number;
}

export function isRoomMode(mode: ConsultationMode): mode is RoomMode {
	return (ROOM_MODES as readonly string[]).includes(mode);
}

export function roomWindow(appointment: Pick<Appointment, "start" | "end">): RoomWindow {
	return {
		opensAt: Date.parse(appointment.start) - OPENS_BEFORE_MS,
		closesAt: Date.parse(appointment.end) + CLOSES_AFTER_MS,
	};
}

export type RoomPhase = "early" | "open" | "closed";

export function roomPhase(window: RoomWindow, now: number): RoomPhase {
	if (now < window.opensAt) return "early";
	return now < window.closesAt ? "open" : "closed";
}

/** The appointment's patient or its doctor; anyone else (admins too: they are not in the consultation) is not. */
export function participantOf(
	actor: Actor,
	appointment: Pick<Appointment, "doctor_id" | "patient_id">,
): Participant | null {
	if (actor.role === "patient" && actor.userId === appointment.patient_id) return "patient";
	if (actor.role === "doctor" && actor.doctorId === appointment.doctor_id) return "doctor";
	return null;
}

export type RoomAccess =
	| { ok: true; participant: Participant; mode: RoomMode; window: RoomWindow }
	| { ok: false; code: "FORBIDDEN" | "NOT_FOUND" | "ROOM_CLOSED"; message: string; window?: RoomWindow };

/**
 * Whether `actor` may be in the appointment's room at `now`. With `anyTime`, only who and which appointment
 * count: a page learns the window (and may ask for a ticket) before the room opens.
 */
export function roomAccess(
	actor: Actor,
	appointment: Pick<
		Appointment,
		"doctor_id" | "patient_id" | "consultation_mode" | "status" | "start" | "end"
	>,
	now: number,
	anyTime = false,
): RoomAccess {
	const participant = participantOf(actor, appointment);
	if (participant === null) {
		return {
			ok: false,
			code: "FORBIDDEN",
			message: "Only the appointment's patient and doctor may join its room.",
		};
	}
	const mode = appointment.consultation_mode;
	if (!isRoomMode(mode)) {
		return { ok: false, code: "NOT_FOUND", message: "This appointment is in person: it has no room." };
	}
	const window = roomWindow(appointment);
	if (!holdsPlace(appointment.status)) {
		return {
			ok: false,
			code: "ROOM_CLOSED",
			message: `This appointment was ${appointment.status}: its room is closed.`,
			window,
		};
	}
	const phase = roomPhase(window, now);
	if (anyTime || phase === "open") return { ok: true, participant, mode, window };
	const message =
		phase === "early"
			? `The room opens at ${new Date(window.opensAt).toISOString()}, ${OPENS_BEFORE_MS / 60_000} minutes before the appointment.`
			: "The room has closed: it closes an hour after the appointment ends.";
	return { ok: false, code: "ROOM_CLOSED", message, window };
}

/** An ICE candidate as RTCIceCandidate.toJSON() gives it; null ends the candidates. */
export interface CandidateInit {
	candidate: string;
	sdpMid: string | null;
	sdpMLineIndex: number | null;
	usernameFragment?: string | null;
}

/** What a participant may send. */
export type ClientFrame =
	| { type: "message"; text: string }
	| { type: "offer" | "answer"; sdp: string }
	| { type: "candidate"; candidate: CandidateInit | null }
	| { type: "hangup" };

export type FrameCheck =
	| { ok: true; frame: ClientFrame }
	| { ok: false; code: FrameRefusal; message: string };
export type FrameRefusal = "FRAME_TOO_LARGE" | "BAD_FRAME" | "BAD_TEXT";

const refuse = (code: FrameRefusal, message: string): FrameCheck => ({ ok: false, code, message });

/** A frame as received (text, or binary, which is never accepted): checked, with chat text normalised. */
export function checkFrame(data: string | ArrayBuffer): FrameCheck {
	if (typeof data !== "string")
		return refuse("BAD_FRAME", "Frames are JSON text; binary frames are not accepted.");
	if (data.length > MAX_FRAME_CHARS) {
		return refuse("FRAME_TOO_LARGE", `A frame may hold at most ${MAX_FRAME_CHARS} characters.`);
	}
	let value: unknown;
	try {
		value = JSON.parse(data);
	} catch {
		return refuse("BAD_FRAME", "A frame must be a JSON object.");
	}
	if (!isRecord(value) || typeof value.type !== "string") {
		return refuse("BAD_FRAME", 'A frame must be a JSON object with a "type".');
	}
	switch (value.type) {
		case "message":
			return checkMessage(value);
		case "offer":
		case "answer": {
			if (!hasOnly(value, ["type", "sdp"]) || typeof value.sdp !== "string" || value.sdp.length === 0) {
				return refuse(
					"BAD_FRAME",
					`An ${value.type} is {"type": "${value.type}", "sdp": "<session description>"}.`,
				);
			}
			if (value.sdp.length > MAX_SDP_CHARS) {
				return refuse(
					"FRAME_TOO_LARGE",
					`A session description may hold at most ${MAX_SDP_CHARS} characters.`,
				);
			}
			return { ok: true, frame: { type: value.type, sdp: value.sdp } };
		}
		case "candidate":
			return checkCandidate(value);
		case "hangup":
			return hasOnly(value, ["type"])
				? { ok: true, frame: { type: "hangup" } }
				: refuse("BAD_FRAME", 'A hangup is {"type": "hangup"}.');
		default:
			return refuse("BAD_FRAME", "Unknown frame type: send message, offer, answer, candidate or hangup.");
	}
}

function checkMessage(value: Record<string, unknown>): FrameCheck {
	if (!hasOnly(value, ["type", "text"]) || typeof value.text !== "string") {
		return refuse("BAD_FRAME", 'A chat message is {"type": "message", "text": "..."}.');
	}
	// As every typed text: normalised, then checked (src/api/schemas.ts freeText does the same).
	const text = normalizeText(value.text, { multiline: true });
	const problem = textProblem(text, { multiline: true });
	if (problem !== null) return refuse("BAD_TEXT", problem);
	if (text.length === 0) return refuse("BAD_TEXT", "A message must not be empty.");
	if (text.length > MAX_MESSAGE_CHARS) {
		return refuse("FRAME_TOO_LARGE", `A message may hold at most ${MAX_MESSAGE_CHARS} characters.`);
	}
	return { ok: true, frame: { type: "message", text } };
}

function checkCandidate(value: Record<string, unknown>): FrameCheck {
	const shape =
		'A candidate is {"type": "candidate", "candidate": {candidate, sdpMid, sdpMLineIndex} or null}.';
	if (!hasOnly(value, ["type", "candidate"]) || !("candidate" in value)) return refuse("BAD_FRAME", shape);
	const c = value.candidate;
	if (c === null) return { ok: true, frame: { type: "candidate", candidate: null } };
	if (
		!isRecord(c) ||
		!hasOnly(c, ["candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"]) ||
		typeof c.candidate !== "string" ||
		!(c.sdpMid === null || c.sdpMid === undefined || typeof c.sdpMid === "string") ||
		!(c.sdpMLineIndex === null || c.sdpMLineIndex === undefined || isSmallInt(c.sdpMLineIndex)) ||
		!(
			c.usernameFragment === null ||
			c.usernameFragment === undefined ||
			typeof c.usernameFragment === "string"
		)
	) {
		return refuse("BAD_FRAME", shape);
	}
	const length = c.candidate.length + String(c.sdpMid ?? "").length + String(c.usernameFragment ?? "").length;
	if (length > MAX_CANDIDATE_CHARS) {
		return refuse("FRAME_TOO_LARGE", `A candidate may hold at most ${MAX_CANDIDATE_CHARS} characters.`);
	}
	const candidate: CandidateInit = {
		candidate: c.candidate,
		sdpMid: (c.sdpMid as string | null | undefined) ?? null,
		sdpMLineIndex: (c.sdpMLineIndex as number | null | undefined) ?? null,
	};
	if (typeof c.usernameFragment === "string") candidate.usernameFragment = c.usernameFragment;
	return { ok: true, frame: { type: "candidate", candidate } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, keys: readonly string[]): boolean {
	return Object.keys(value).every((key) => keys.includes(key));
}

function isSmallInt(value: unknown): boolean {
	return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 1024;
}

/**
 * The appointment whose room the event ends: a voice, video or chat appointment that gave up its place
 * (cancelled, declined, rescheduled) while its room is open. A room not open yet has no one in it, and the
 * Worker refuses joins to an appointment without a place, so only an open room needs telling.
 */
export function roomEndedBy(event: DayEvent, now: number): Appointment | null {
	const ended =
		event.type === "appointment.cancelled" ||
		(event.type === "appointment.status_changed" && !holdsPlace(event.appointment.status));
	if (!ended) return null;
	const { appointment } = event;
	if (!isRoomMode(appointment.consultation_mode)) return null;
	return roomPhase(roomWindow(appointment), now) === "open" ? appointment : null;
}
