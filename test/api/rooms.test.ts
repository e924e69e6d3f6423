// Consultation rooms over HTTP: GET /api/appointments/:id/room, room tickets and the room's socket, for the
// appointment's patient and doctor only, and only while the room is open (the clock is injected).
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { issueTicket } from "../../src/api/live-tickets";
import { roomWindow } from "../../src/core/room";
import { ROOM_CLOSED_CLOSE, type RoomPass, roomRequest } from "../../src/room/room-messages";
import { roomObject } from "../../src/room/stub";
import {
	ADMIN,
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	inDays,
	type TestDoctor,
	type TestPatient,
} from "../helpers";
import { openSocket } from "../live/inbox";

const upgrade = { upgrade: "websocket" };
const MIN = 60_000;
const date = inDays(1);
const START = Date.parse(at(date, "10:00"));
const END = START + 30 * MIN;

afterEach(() => {
	vi.useRealTimers();
});

function setClock(ms: number): void {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(ms);
}

let doctor: TestDoctor;
let otherDoctor: TestDoctor;
let patient: TestPatient;
let otherPatient: TestPatient;
let stranger: TestPatient;
let video: string;
let otherVideo: string;
let inPerson: string;
let cancelled: string;

async function book(who: TestPatient, time: string, mode: string): Promise<string> {
	const call = await api("POST", "/api/appointments", {
		headers: bearer(who.token),
		body: { doctor_id: doctor.id, start: at(date, time), consultation_mode: mode },
	});
	expect(call.status).toBe(201);
	return call.body.appointment.id;
}

beforeAll(async () => {
	[doctor, otherDoctor] = await Promise.all([createDoctor(), createDoctor()]);
	[patient, otherPatient, stranger] = await Promise.all([createPatient(), createPatient(), createPatient()]);
	video = await book(patient, "10:00", "video");
	otherVideo = await book(otherPatient, "10:30", "video");
	inPerson = await book(patient, "11:00", "in_person");
	cancelled = await book(patient, "11:30", "chat");
	const cancel = await api("POST", `/api/appointments/${cancelled}/cancel`, {
		headers: bearer(patient.token),
	});
	expect(cancel.status).toBe(200);
});

const room = (id: string, headers: Record<string, string>) =>
	api("GET", `/api/appointments/${id}/room`, { headers });
const errorOf = (call: { status: number; body: { error?: { code: string } } }) => [
	call.status,
	call.body.error?.code,
];

async function ticketFor(headers: Record<string, string>, id: string): Promise<string> {
	const call = await api("POST", "/api/live-tickets", {
		headers,
		body: { channel: "room", appointment_id: id },
	});
	expect(call.status).toBe(200);
	return call.body.ticket;
}

const livePath = (id: string, ticket: string) =>
	`/api/appointments/${id}/room/live?ticket=${encodeURIComponent(ticket)}`;

describe("GET /api/appointments/:id/room", () => {
	it("answers the patient and the doctor while the room is open", async () => {
		setClock(START - 10 * MIN);
		for (const [who, you] of [
			[patient.token, "patient"],
			[doctor.token, "doctor"],
		] as const) {
			const call = await room(video, bearer(who));
			expect(call.status).toBe(200);
			expect(call.body).toEqual({
				room: {
					appointment_id: video,
					consultation_mode: "video",
					you,
					opens_at: new Date(START - 10 * MIN).toISOString(),
					closes_at: new Date(END + 60 * MIN).toISOString(),
					page: `/room?appointment=${encodeURIComponent(video)}`,
					ice_servers: [],
				},
			});
		}
	});

	it.each([
		["nobody", () => ({}), () => video, 401, "UNAUTHORIZED"],
		["a third user", () => bearer(stranger.token), () => video, 403, "FORBIDDEN"],
		["the patient of another appointment", () => bearer(otherPatient.token), () => video, 403, "FORBIDDEN"],
		["another doctor", () => bearer(otherDoctor.token), () => video, 403, "FORBIDDEN"],
		["an admin, who is not in the consultation", () => ADMIN, () => video, 403, "FORBIDDEN"],
		["an in-person appointment", () => bearer(patient.token), () => inPerson, 404, "NOT_FOUND"],
		["a cancelled appointment", () => bearer(patient.token), () => cancelled, 409, "ROOM_CLOSED"],
		[
			"a made-up appointment",
			() => bearer(patient.token),
			() => `${doctor.id}.${date}.abcdefgh12345678`,
			404,
			"APPOINTMENT_NOT_FOUND",
		],
	])("refuses %s", async (_name, headers, id, status, code) => {
		setClock(START);
		expect(errorOf(await room(id(), headers()))).toEqual([status, code]);
	});

	it("is closed too early and too late, and says when it opens and closes", async () => {
		for (const now of [START - 10 * MIN - 1, END + 60 * MIN]) {
			setClock(now);
			const call = await room(video, bearer(patient.token));
			expect(call.body.error).toMatchObject({
				code: "ROOM_CLOSED",
				opens_at: new Date(START - 10 * MIN).toISOString(),
				closes_at: new Date(END + 60 * MIN).toISOString(),
				page: `/room?appointment=${encodeURIComponent(video)}`,
			});
			expect(call.status).toBe(409);
		}
	});
});

describe("room tickets", () => {
	it.each([
		[
			"a third user",
			() => bearer(stranger.token),
			{ channel: "room", appointment_id: "VIDEO" },
			403,
			"FORBIDDEN",
		],
		[
			"another doctor",
			() => bearer(otherDoctor.token),
			{ channel: "room", appointment_id: "VIDEO" },
			403,
			"FORBIDDEN",
		],
		["no appointment_id", () => bearer(patient.token), { channel: "room" }, 400, "VALIDATION_ERROR"],
		[
			"a doctor_id on the room channel",
			() => bearer(doctor.token),
			{ channel: "room", appointment_id: "VIDEO", doctor_id: "x" },
			400,
			"VALIDATION_ERROR",
		],
		[
			"an in-person appointment",
			() => bearer(patient.token),
			{ channel: "room", appointment_id: "IN_PERSON" },
			404,
			"NOT_FOUND",
		],
	])("refuses %s", async (_name, headers, body, status, code) => {
		const filled = JSON.parse(JSON.stringify(body).replace("IN_PERSON", inPerson).replace("VIDEO", video));
		const call = await api("POST", "/api/live-tickets", { headers: headers(), body: filled });
		expect(errorOf(call)).toEqual([status, code]);
	});
});

describe("the room's socket", () => {
	it("lets the patient and the doctor in, with a ticket each, and carries their chat", async () => {
		setClock(START - 5 * MIN);
		const patientSide = await openSocket(livePath(video, await ticketFor(bearer(patient.token), video)));
		expect(await patientSide.next()).toMatchObject({ type: "joined", you: "patient", mode: "video" });
		const doctorSide = await openSocket(livePath(video, await ticketFor(bearer(doctor.token), video)));
		expect(await doctorSide.next()).toMatchObject({
			type: "joined",
			you: "doctor",
			present: ["patient", "doctor"],
		});
		expect(await patientSide.next()).toMatchObject({
			type: "presence",
			participant: "doctor",
			state: "joined",
		});
		doctorSide.ws.send(JSON.stringify({ type: "message", text: "Hello, I can see you." }));
		expect(await patientSide.next()).toMatchObject({
			type: "message",
			from: "doctor",
			text: "Hello, I can see you.",
		});
		patientSide.close();
		doctorSide.close();
	});

	it("refuses a reused ticket, an expired one, and one for another appointment", async () => {
		setClock(START);
		const ticket = await ticketFor(bearer(patient.token), video);
		const first = await openSocket(livePath(video, ticket));
		expect((await first.next()).type).toBe("joined");
		const reused = await api("GET", livePath(video, ticket), { headers: upgrade });
		expect(reused.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/already used/),
		});
		first.close();

		const actor = { userId: patient.id, role: "patient" as const, doctorId: null };
		const credential = { expiresAt: Date.now() + 3_600_000, version: 0 };
		const old = await issueTicket(env.AUTH_SECRET, { actor, credential }, "room", video, Date.now() - 61_000);
		const expired = await api("GET", livePath(video, old.ticket), { headers: upgrade });
		expect(expired.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/expired/),
		});

		// The other patient's own ticket opens their room, not this one.
		const theirs = await ticketFor(bearer(otherPatient.token), otherVideo);
		expect(errorOf(await api("GET", livePath(video, theirs), { headers: upgrade }))).toEqual([
			403,
			"FORBIDDEN",
		]);
	});

	it("refuses a third user even with a ticket signed for this room", async () => {
		setClock(START);
		const actor = { userId: stranger.id, role: "patient" as const, doctorId: null };
		const forged = await issueTicket(
			env.AUTH_SECRET,
			{ actor, credential: { expiresAt: null, version: 0 } },
			"room",
			video,
		);
		expect(errorOf(await api("GET", livePath(video, forged.ticket), { headers: upgrade }))).toEqual([
			403,
			"FORBIDDEN",
		]);
	});

	it("is refused too early and too late, with a ticket that is otherwise good", async () => {
		for (const now of [START - 11 * MIN, END + 61 * MIN]) {
			setClock(now);
			const ticket = await ticketFor(bearer(doctor.token), video);
			const call = await api("GET", livePath(video, ticket), { headers: upgrade });
			expect(errorOf(call)).toEqual([409, "ROOM_CLOSED"]);
		}
	});

	it("closes when its appointment is cancelled: both hear why, and no one joins again", async () => {
		const time = "12:00";
		const starts = Date.parse(at(date, time));
		setClock(starts - 5 * MIN);
		const id = await book(patient, time, "chat");
		const sides = [
			await openSocket(livePath(id, await ticketFor(bearer(patient.token), id))),
			await openSocket(livePath(id, await ticketFor(bearer(doctor.token), id))),
		];
		const late = await ticketFor(bearer(doctor.token), id);
		const cancel = await api("POST", `/api/appointments/${id}/cancel`, { headers: bearer(patient.token) });
		expect(cancel.status).toBe(200);
		for (const side of sides) {
			let message = await side.next();
			while (message.type !== "room") message = await side.next();
			expect(message).toMatchObject({ type: "room", state: "closed", status: "cancelled" });
			expect((await side.closedWithin()).code).toBe(ROOM_CLOSED_CLOSE);
		}
		expect(errorOf(await api("GET", livePath(id, late), { headers: upgrade }))).toEqual([409, "ROOM_CLOSED"]);
		// A join the Worker let through just before the cancel is refused by the room itself.
		const pass: RoomPass = {
			appointmentId: id,
			patientId: patient.id,
			doctorId: doctor.id,
			mode: "chat",
			...roomWindow({ start: at(date, time), end: new Date(starts + 30 * MIN).toISOString() }),
			participant: "patient",
			userId: patient.id,
			ticketId: "raced-the-cancel",
			ticketExpiresAt: Date.now() + MIN,
			tokenExpiresAt: null,
		};
		const raced = await roomObject(env, id).fetch(roomRequest("http://room/live", pass));
		expect(raced.status).toBe(409);
		expect(await raced.json()).toEqual({
			error: { code: "ROOM_CLOSED", message: "This appointment was cancelled: its room is closed." },
		});
	});

	it("needs a ticket: no ?token=, no bearer header", async () => {
		setClock(START);
		const path = `/api/appointments/${video}/room/live`;
		const byQuery = await api("GET", `${path}?token=${patient.token}`, { headers: upgrade });
		expect(byQuery.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/\?token= is no longer accepted/),
		});
		const byHeader = await api("GET", path, { headers: { ...upgrade, ...bearer(patient.token) } });
		expect(errorOf(byHeader)).toEqual([401, "UNAUTHORIZED"]);
		const ticket = await ticketFor(bearer(patient.token), video);
		const plain = await exports.default.fetch(new Request(`http://docslot.test${livePath(video, ticket)}`));
		expect(plain.status).toBe(426);
	});
});
