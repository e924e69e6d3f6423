// The Room object: who joins, chat history kept in order across reconnects and eviction, signalling to
// the other participant only, junk refused to its sender alone, and the alarm that closes the room.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_FRAME_CHARS } from "../../src/core/room";
import { type RoomPass, roomRequest } from "../../src/room/room-messages";
import { roomObject } from "../../src/room/stub";
import { unique } from "../helpers";
import { Inbox } from "../live/inbox";

afterEach(() => {
	vi.useRealTimers();
});

interface TestRoom {
	id: string;
	pass(participant: RoomPass["participant"], change?: Partial<RoomPass>): RoomPass;
}

/** A room whose window is open now (or as `window` says), for a made-up appointment id of its own. */
function newRoom(window: { opensAt?: number; closesAt?: number } = {}): TestRoom {
	const id = unique("room");
	const now = Date.now();
	return {
		id,
		pass: (participant, change = {}) => ({
			appointmentId: id,
			patientId: "p-1",
			doctorId: "dr-1",
			mode: "video",
			opensAt: window.opensAt ?? now - 60_000,
			closesAt: window.closesAt ?? now + 3_600_000,
			participant,
			userId: participant === "patient" ? "p-1" : "u-dr-1",
			ticketId: unique("ticket"),
			ticketExpiresAt: Date.now() + 60_000,
			tokenExpiresAt: Date.now() + 3_600_000,
			...change,
		}),
	};
}

async function join(room: TestRoom, pass: RoomPass): Promise<Inbox> {
	const response = await roomObject(env, room.id).fetch(roomRequest("http://room.test/live", pass));
	if (response.status !== 101 || response.webSocket === null) {
		throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
	}
	response.webSocket.accept();
	return new Inbox(response.webSocket);
}

async function refusal(room: TestRoom, pass: RoomPass) {
	const response = await roomObject(env, room.id).fetch(roomRequest("http://room.test/live", pass));
	return {
		status: response.status,
		body: (await response.json()) as { error: { code: string; message: string } },
	};
}

/** Joins and reads the "joined" frame and any history frames. */
async function enter(room: TestRoom, participant: RoomPass["participant"]) {
	const inbox = await join(room, room.pass(participant));
	const joined = await inbox.next();
	expect(joined).toMatchObject({ type: "joined", you: participant, mode: "video" });
	return { inbox, joined };
}

const say = (inbox: Inbox, value: unknown) => inbox.ws.send(JSON.stringify(value));

describe("joining", () => {
	it("tells each side who is present, and the other side when someone joins or leaves", async () => {
		const room = newRoom();
		const patient = await enter(room, "patient");
		expect(patient.joined.present).toEqual(["patient"]);
		const doctor = await enter(room, "doctor");
		expect(doctor.joined.present).toEqual(["patient", "doctor"]);
		expect(await patient.inbox.next()).toEqual({
			type: "presence",
			participant: "doctor",
			state: "joined",
			present: ["patient", "doctor"],
		});
		doctor.inbox.close();
		expect(await patient.inbox.next()).toEqual({
			type: "presence",
			participant: "doctor",
			state: "left",
			present: ["patient"],
		});
		patient.inbox.close();
	});

	it("takes each ticket once, and refuses expired tickets and closed windows by its own clock", async () => {
		const room = newRoom();
		const pass = room.pass("patient");
		const first = await join(room, pass);
		expect((await first.next()).type).toBe("joined");
		expect(await refusal(room, pass)).toMatchObject({
			status: 401,
			body: { error: { message: /already used/ } },
		});
		const expired = room.pass("patient", { ticketExpiresAt: Date.now() - 1 });
		expect(await refusal(room, expired)).toMatchObject({
			status: 401,
			body: { error: { message: /expired/ } },
		});
		const early = newRoom({ opensAt: Date.now() + 60_000 });
		expect((await refusal(early, early.pass("doctor"))).body.error.code).toBe("ROOM_CLOSED");
		const late = newRoom({ opensAt: Date.now() - 7_200_000, closesAt: Date.now() - 1 });
		expect((await refusal(late, late.pass("doctor"))).body.error.code).toBe("ROOM_CLOSED");
		first.close();
	});

	it("gives a participant one seat: joining again from another window closes the older socket", async () => {
		const room = newRoom();
		const doctor = await enter(room, "doctor");
		const older = await enter(room, "patient");
		expect((await doctor.inbox.next()).state).toBe("joined");
		const newer = await enter(room, "patient");
		expect(await older.inbox.closedWithin()).toMatchObject({ code: 4003 });
		// The doctor saw the patient join again, never leave.
		expect(await doctor.inbox.next()).toMatchObject({
			type: "presence",
			state: "joined",
			participant: "patient",
		});
		expect(await doctor.inbox.silentFor(200)).toBe(true);
		say(doctor.inbox, { type: "offer", sdp: "v=0" });
		expect(await newer.inbox.next()).toEqual({ type: "offer", from: "doctor", sdp: "v=0" });
		doctor.inbox.close();
		newer.inbox.close();
	});
});

describe("chat", () => {
	it("keeps messages in order and sends the history to a participant who comes back, even after eviction", async () => {
		const room = newRoom();
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next(); // the doctor's presence
		const lines = ["Good morning", "Can you hear me?", "Yes, loud and clear"];
		const sent = [];
		for (const [i, text] of lines.entries()) {
			const from = i === 2 ? doctor : patient;
			say(from.inbox, { type: "message", text });
			const mine = await from.inbox.next();
			const theirs = await (from === doctor ? patient : doctor).inbox.next();
			expect(mine).toEqual(theirs);
			expect(mine).toMatchObject({ type: "message", from: i === 2 ? "doctor" : "patient", text });
			expect(mine.id).toMatch(/^[0-9a-f]{16}$/);
			sent.push(mine);
		}
		patient.inbox.close();
		expect(await doctor.inbox.next()).toMatchObject({ type: "presence", state: "left" });

		const back = await enter(room, "patient");
		expect(await back.inbox.next()).toEqual({ type: "history", messages: sent });
		back.inbox.close();

		await evictDurableObject(roomObject(env, room.id));
		const afterEviction = await enter(room, "patient");
		expect(await afterEviction.inbox.next()).toEqual({ type: "history", messages: sent });
		afterEviction.inbox.close();
	});

	it("survives hibernation of the object with both sockets open: who is who is in the attachments", async () => {
		const room = newRoom();
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next();
		await evictDurableObject(roomObject(env, room.id));
		say(doctor.inbox, { type: "message", text: "Still here" });
		expect(await patient.inbox.next()).toMatchObject({ type: "message", from: "doctor", text: "Still here" });
		expect(await doctor.inbox.next()).toMatchObject({ type: "message", from: "doctor" });
		patient.inbox.close();
		doctor.inbox.close();
	});
});

describe("signalling and refused frames", () => {
	it("relays offer, answer, candidates and hangup to the other participant only", async () => {
		const room = newRoom();
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next();
		const candidate = {
			candidate: "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
			sdpMid: "0",
			sdpMLineIndex: 0,
		};
		say(patient.inbox, { type: "offer", sdp: "v=0 offer" });
		expect(await doctor.inbox.next()).toEqual({ type: "offer", from: "patient", sdp: "v=0 offer" });
		say(doctor.inbox, { type: "answer", sdp: "v=0 answer" });
		expect(await patient.inbox.next()).toEqual({ type: "answer", from: "doctor", sdp: "v=0 answer" });
		say(doctor.inbox, { type: "candidate", candidate });
		expect(await patient.inbox.next()).toEqual({ type: "candidate", from: "doctor", candidate });
		say(patient.inbox, { type: "hangup" });
		expect(await doctor.inbox.next()).toEqual({ type: "hangup", from: "patient" });
		// Nothing of it came back to the senders, and signalling is not stored as chat.
		expect(await patient.inbox.silentFor(100)).toBe(true);
		expect(await doctor.inbox.silentFor(100)).toBe(true);
		const stored = await runInDurableObject(roomObject(env, room.id), (_i, state) =>
			state.storage.sql.exec("SELECT count(*) AS n FROM messages").one(),
		);
		expect(stored.n).toBe(0);
		patient.inbox.close();
		doctor.inbox.close();
	});

	it("answers junk and oversized frames to the sender alone; the other side receives nothing", async () => {
		const room = newRoom();
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next();
		const junk: [string | ArrayBuffer, string][] = [
			["not json", "BAD_FRAME"],
			[new Uint8Array([1, 2, 3]).buffer, "BAD_FRAME"],
			[JSON.stringify({ type: "offer", sdp: "x", to: "all" }), "BAD_FRAME"],
			[JSON.stringify({ type: "message", text: "a\u202eb" }), "BAD_TEXT"],
			[JSON.stringify({ type: "message", text: "x".repeat(MAX_FRAME_CHARS + 1) }), "FRAME_TOO_LARGE"],
			[JSON.stringify({ type: "offer", sdp: "x".repeat(20_000) }), "FRAME_TOO_LARGE"],
			["x".repeat(900_000), "FRAME_TOO_LARGE"],
		];
		for (const [data, code] of junk) {
			patient.inbox.ws.send(data);
			expect(await patient.inbox.next()).toMatchObject({ type: "error", code });
		}
		expect(await doctor.inbox.silentFor(300)).toBe(true);
		// The socket still works after all that.
		say(patient.inbox, { type: "message", text: "ok" });
		expect(await doctor.inbox.next()).toMatchObject({ type: "message", text: "ok" });
		patient.inbox.close();
		doctor.inbox.close();
	});
});

describe("the room's alarm", () => {
	it("closes the room at its closing time: whoever is connected is told, then their socket is closed", async () => {
		const closesAt = Date.now() + 120_000;
		const room = newRoom({ closesAt });
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next();
		const stub = roomObject(env, room.id);
		const timers = () =>
			runInDurableObject(stub, (_i, state) =>
				state.storage.sql.exec("SELECT name, due_at FROM timers ORDER BY name").toArray(),
			);
		expect((await timers()).find((t) => t.name === "close")?.due_at).toBe(closesAt);

		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(closesAt - 1);
		await runDurableObjectAlarm(stub);
		expect(await patient.inbox.silentFor(100)).toBe(true);

		vi.setSystemTime(closesAt);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		for (const side of [patient, doctor]) {
			expect(await side.inbox.next()).toEqual({
				type: "room",
				state: "closed",
				closes_at: new Date(closesAt).toISOString(),
			});
			expect(await side.inbox.closedWithin()).toMatchObject({ code: 4002 });
		}
		expect(await refusal(room, room.pass("patient"))).toMatchObject({
			status: 409,
			body: { error: { code: "ROOM_CLOSED" } },
		});
		// Used tickets were forgotten once expired; the close timer ran and nothing is left to wake for.
		expect(await timers()).toEqual([]);
	});

	it("closes a socket whose token expires, and keeps the other", async () => {
		const room = newRoom();
		const tokenExpiresAt = Date.now() + 90_000;
		const patient = await join(room, room.pass("patient", { tokenExpiresAt }));
		expect((await patient.next()).type).toBe("joined");
		const doctor = await enter(room, "doctor");
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(tokenExpiresAt);
		expect(await runDurableObjectAlarm(roomObject(env, room.id))).toBe(true);
		expect(await patient.closedWithin()).toMatchObject({ code: 4001 });
		expect(await doctor.inbox.next()).toMatchObject({
			type: "presence",
			participant: "patient",
			state: "left",
		});
		doctor.inbox.close();
	});

	it("takes no frame once the window has passed, even if the alarm is late", async () => {
		const closesAt = Date.now() + 60_000;
		const room = newRoom({ closesAt });
		const patient = await enter(room, "patient");
		const doctor = await enter(room, "doctor");
		await patient.inbox.next();
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(closesAt + 1);
		say(patient.inbox, { type: "message", text: "too late" });
		expect(await doctor.inbox.next()).toMatchObject({ type: "room", state: "closed" });
		expect(await doctor.inbox.closedWithin()).toMatchObject({ code: 4002 });
	});
});
