// Room rules: which appointments have a room, its window, who may join, and which frames are taken.
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import type { DayEvent } from "../../src/core/day-decider";
import {
	checkFrame,
	MAX_FRAME_CHARS,
	MAX_MESSAGE_CHARS,
	MAX_SDP_CHARS,
	roomAccess,
	roomEndedBy,
	roomPhase,
	roomWindow,
} from "../../src/core/room";

const START = Date.parse("2027-03-15T10:00:00.000Z");
const END = Date.parse("2027-03-15T10:30:00.000Z");
const MIN = 60_000;

const appointment: Pick<
	Appointment,
	"doctor_id" | "patient_id" | "consultation_mode" | "status" | "start" | "end"
> = {
	doctor_id: "dr-a",
	patient_id: "p-1",
	consultation_mode: "video",
	status: "confirmed",
	start: new Date(START).toISOString(),
	end: new Date(END).toISOString(),
};

const patient: Actor = { userId: "p-1", role: "patient", doctorId: null };
const doctor: Actor = { userId: "u-dr-a", role: "doctor", doctorId: "dr-a" };
const otherPatient: Actor = { userId: "p-2", role: "patient", doctorId: null };
const otherDoctor: Actor = { userId: "u-dr-b", role: "doctor", doctorId: "dr-b" };
const admin: Actor = { userId: "admin", role: "admin", doctorId: null };
// A patient whose id is the doctor's id must not pass as the doctor, nor a doctor as the patient.
const doctorNamedLikePatient: Actor = { userId: "p-1", role: "doctor", doctorId: "dr-b" };

describe("roomWindow and roomPhase", () => {
	const window = roomWindow(appointment);
	it("opens 10 minutes before the start and closes 60 minutes after the end", () => {
		expect(window).toEqual({ opensAt: START - 10 * MIN, closesAt: END + 60 * MIN });
	});
	it.each([
		["11 minutes before the start", START - 11 * MIN, "early"],
		["1 ms before it opens", START - 10 * MIN - 1, "early"],
		["the instant it opens", START - 10 * MIN, "open"],
		["during the appointment", START + 5 * MIN, "open"],
		["59 minutes after the end", END + 59 * MIN, "open"],
		["the instant it closes", END + 60 * MIN, "closed"],
		["a day later", END + 24 * 60 * MIN, "closed"],
	])("%s: %s", (_name, now, phase) => {
		expect(roomPhase(window, now)).toBe(phase);
	});
});

describe("roomAccess", () => {
	const during = START;
	it.each<[string, Actor, Partial<typeof appointment>, number, string]>([
		["the patient, during", patient, {}, during, "patient"],
		["the doctor, during", doctor, {}, during, "doctor"],
		["the patient of a voice appointment", patient, { consultation_mode: "voice" }, during, "patient"],
		["the doctor of a chat appointment", doctor, { consultation_mode: "chat" }, during, "doctor"],
		["a patient of another appointment", otherPatient, {}, during, "FORBIDDEN"],
		["another doctor", otherDoctor, {}, during, "FORBIDDEN"],
		["an admin (not in the consultation)", admin, {}, during, "FORBIDDEN"],
		["a doctor whose user id is the patient's", doctorNamedLikePatient, {}, during, "FORBIDDEN"],
		["an in-person appointment", patient, { consultation_mode: "in_person" }, during, "NOT_FOUND"],
		[
			"a stranger to an in-person appointment",
			otherPatient,
			{ consultation_mode: "in_person" },
			during,
			"FORBIDDEN",
		],
		["a cancelled appointment", patient, { status: "cancelled" }, during, "ROOM_CLOSED"],
		["too early", patient, {}, START - 11 * MIN, "ROOM_CLOSED"],
		["too late", doctor, {}, END + 61 * MIN, "ROOM_CLOSED"],
	])("%s", (_name, actor, change, now, expected) => {
		const access = roomAccess(actor, { ...appointment, ...change }, now);
		expect(access.ok ? access.participant : access.code).toBe(expected);
	});

	it("says when an early room opens, and carries the window", () => {
		const access = roomAccess(patient, appointment, START - 30 * MIN);
		expect(access).toMatchObject({ ok: false, code: "ROOM_CLOSED", window: roomWindow(appointment) });
		expect(access.ok ? "" : access.message).toContain("2027-03-15T09:50:00.000Z");
	});

	it("with anyTime, checks who and which appointment only", () => {
		expect(roomAccess(patient, appointment, START - 600 * MIN, true).ok).toBe(true);
		expect(roomAccess(otherPatient, appointment, during, true).ok).toBe(false);
		expect(roomAccess(patient, { ...appointment, status: "cancelled" }, during, true).ok).toBe(false);
	});
});

describe("roomEndedBy: an open room closes when its appointment gives up its place", () => {
	const full: Appointment = {
		...appointment,
		id: "dr-a.2027-03-15.abc",
		date: "2027-03-15",
		time: "10:00",
		reason: null,
		created_at: "2027-03-01T00:00:00.000Z",
		cancelled_at: null,
	};
	const cancelled = (a: Appointment): DayEvent => ({
		type: "appointment.cancelled",
		appointment: { ...a, status: "cancelled" },
		cancelled_by: "patient",
	});
	const moved = (status: Appointment["status"]): DayEvent => ({
		type: "appointment.status_changed",
		appointment: { ...full, status },
		from: "confirmed",
		changed_by: "doctor",
	});
	it.each<[string, DayEvent, number, boolean]>([
		["cancelled while the room is open", cancelled(full), START - 5 * MIN, true],
		["cancelled before the room opens: no one is in it", cancelled(full), START - 11 * MIN, false],
		["cancelled after the room closed", cancelled(full), END + 61 * MIN, false],
		[
			"an in-person appointment has no room",
			cancelled({ ...full, consultation_mode: "in_person" }),
			START,
			false,
		],
		["declined while open", moved("declined"), START, true],
		["rescheduled while open", moved("rescheduled"), START, true],
		["checked in: the visit goes on", moved("checked_in"), START, false],
		["booked", { type: "appointment.booked", appointment: full, booked_by: "p-1" }, START, false],
	])("%s", (_name, event, now, ends) => {
		expect(roomEndedBy(event, now)?.id ?? null).toBe(ends ? full.id : null);
	});
});

describe("checkFrame", () => {
	const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n";
	const candidate = {
		candidate: "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host",
		sdpMid: "0",
		sdpMLineIndex: 0,
	};
	const json = (value: unknown) => JSON.stringify(value);
	it.each<[string, string | ArrayBuffer, string]>([
		["a chat message", json({ type: "message", text: "Hello, doctor" }), "ok"],
		["a message over several lines", json({ type: "message", text: "Cough\nsince Monday" }), "ok"],
		["an offer", json({ type: "offer", sdp }), "ok"],
		["an answer", json({ type: "answer", sdp }), "ok"],
		["a candidate", json({ type: "candidate", candidate }), "ok"],
		[
			"a candidate with usernameFragment",
			json({ type: "candidate", candidate: { ...candidate, usernameFragment: "abcd" } }),
			"ok",
		],
		["the end of candidates", json({ type: "candidate", candidate: null }), "ok"],
		["a hangup", json({ type: "hangup" }), "ok"],
		["a binary frame", new ArrayBuffer(8), "BAD_FRAME"],
		["not JSON", "hello", "BAD_FRAME"],
		["a JSON array", "[1,2]", "BAD_FRAME"],
		["JSON null", "null", "BAD_FRAME"],
		["no type", json({ text: "hi" }), "BAD_FRAME"],
		["an unknown type", json({ type: "snapshot" }), "BAD_FRAME"],
		["a message without text", json({ type: "message" }), "BAD_FRAME"],
		["a message with a number", json({ type: "message", text: 5 }), "BAD_FRAME"],
		["a message posing as the doctor", json({ type: "message", text: "hi", from: "doctor" }), "BAD_FRAME"],
		["a blank message", json({ type: "message", text: "   " }), "BAD_TEXT"],
		["a message with a bidi override", json({ type: "message", text: "gnp\u202e.exe" }), "BAD_TEXT"],
		["a message with NUL", json({ type: "message", text: "a\u0000b" }), "BAD_TEXT"],
		[
			"a message too long",
			json({ type: "message", text: "a".repeat(MAX_MESSAGE_CHARS + 1) }),
			"FRAME_TOO_LARGE",
		],
		["a frame too long", json({ type: "message", text: "a".repeat(MAX_FRAME_CHARS) }), "FRAME_TOO_LARGE"],
		["an offer without sdp", json({ type: "offer" }), "BAD_FRAME"],
		["an offer with an empty sdp", json({ type: "offer", sdp: "" }), "BAD_FRAME"],
		["an offer with an extra field", json({ type: "offer", sdp, to: "everyone" }), "BAD_FRAME"],
		["an sdp too long", json({ type: "answer", sdp: "a".repeat(MAX_SDP_CHARS + 1) }), "FRAME_TOO_LARGE"],
		["a candidate without candidate", json({ type: "candidate" }), "BAD_FRAME"],
		["a candidate that is a string", json({ type: "candidate", candidate: "x" }), "BAD_FRAME"],
		[
			"a candidate with a bad line index",
			json({ type: "candidate", candidate: { ...candidate, sdpMLineIndex: -1 } }),
			"BAD_FRAME",
		],
		[
			"a candidate with extra fields",
			json({ type: "candidate", candidate: { ...candidate, x: 1 } }),
			"BAD_FRAME",
		],
		[
			"a candidate too long",
			json({ type: "candidate", candidate: { ...candidate, candidate: "c".repeat(2000) } }),
			"FRAME_TOO_LARGE",
		],
		["a hangup with a payload", json({ type: "hangup", reason: "x" }), "BAD_FRAME"],
	])("%s", (_name, data, expected) => {
		const check = checkFrame(data);
		expect(check.ok ? "ok" : check.code).toBe(expected);
	});

	it("stores chat text trimmed and in NFC, and rebuilds signalling from the checked fields only", () => {
		expect(checkFrame(json({ type: "message", text: "  cafe\u0301 \r\n ok " }))).toEqual({
			ok: true,
			frame: { type: "message", text: "café \n ok" },
		});
		expect(checkFrame(json({ type: "candidate", candidate: { candidate: "c" } }))).toEqual({
			ok: true,
			frame: { type: "candidate", candidate: { candidate: "c", sdpMid: null, sdpMLineIndex: null } },
		});
	});
});
