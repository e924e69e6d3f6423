// Live tickets: POST /api/live-tickets, and the doctor's feed opened with one: single use, 60 s, bound to its
// channel and doctor, never a token in the URL; and feed sockets closed when their token expires.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { issueToken, TOKEN_TTL_SECONDS } from "../../src/api/auth";
import { issueTicket } from "../../src/api/live-tickets";
import { doctorObject } from "../../src/doctor/stub";
import {
	ADMIN,
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	doctorFeedPath,
	inDays,
	type TestDoctor,
} from "../helpers";
import { openSocket } from "./inbox";

const upgrade = { upgrade: "websocket" };

afterEach(() => {
	vi.useRealTimers();
});

/** Moves the clock the Worker and the objects read (they share this isolate in tests). */
function setClock(ms: number): void {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(ms);
}

function askTicket(headers: Record<string, string>, body: unknown) {
	return api("POST", "/api/live-tickets", { headers, body });
}

/** The doctor's account id, which the doctor's token stands for. */
async function userIdOf(token: string): Promise<string> {
	return (await api("GET", "/api/me", { headers: bearer(token) })).body.user.id;
}

describe("POST /api/live-tickets", () => {
	// One doctor, patient and other doctor for every test: making doctors is the slow part.
	let doctor: TestDoctor;
	let tokens: Record<string, Record<string, string>>;
	beforeAll(async () => {
		doctor = await createDoctor();
		tokens = {
			none: {},
			admin: ADMIN,
			doctor: bearer(doctor.token),
			patient: bearer((await createPatient()).token),
			other: bearer((await createDoctor()).token),
		};
	});

	it("gives that doctor (and admins) a ticket valid 60 s, never cached", async () => {
		for (const headers of [bearer(doctor.token), ADMIN]) {
			const before = Date.now();
			const call = await askTicket(headers, { channel: "doctor", doctor_id: doctor.id });
			expect(call.status).toBe(200);
			expect(Object.keys(call.body).sort()).toEqual(["expires_at", "ticket"]);
			expect(call.body.ticket).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
			const expires = Date.parse(call.body.expires_at);
			expect(expires).toBeGreaterThanOrEqual(before + 60_000);
			expect(expires).toBeLessThanOrEqual(Date.now() + 60_000);
			expect(call.headers.get("cache-control")).toBe("no-store");
		}
	});

	it("never outlives the token it is issued from", async () => {
		const issuedAt = Date.now() - TOKEN_TTL_SECONDS * 1000 + 10_000;
		const token = await issueToken(
			{ userId: await userIdOf(doctor.token), role: "doctor", doctorId: doctor.id },
			env.AUTH_SECRET,
			issuedAt,
		);
		const call = await askTicket(bearer(token), { channel: "doctor", doctor_id: doctor.id });
		expect(Date.parse(call.body.expires_at)).toBe((Math.floor(issuedAt / 1000) + TOKEN_TTL_SECONDS) * 1000);
	});

	it.each([
		["nobody", "none", { channel: "doctor", doctor_id: "DOCTOR" }, 401, "UNAUTHORIZED"],
		["a patient", "patient", { channel: "doctor", doctor_id: "DOCTOR" }, 403, "FORBIDDEN"],
		["another doctor", "other", { channel: "doctor", doctor_id: "DOCTOR" }, 403, "FORBIDDEN"],
		[
			"a doctor that does not exist",
			"admin",
			{ channel: "doctor", doctor_id: "no-such-doctor" },
			404,
			"DOCTOR_NOT_FOUND",
		],
		["the me channel for the admin token, which is no account", "admin", { channel: "me" }, 403, "FORBIDDEN"],
		[
			"the me channel with a doctor_id",
			"doctor",
			{ channel: "me", doctor_id: "DOCTOR" },
			400,
			"VALIDATION_ERROR",
		],
		["the me channel for nobody", "none", { channel: "me" }, 401, "UNAUTHORIZED"],
		[
			"the room channel for an appointment that does not exist",
			"doctor",
			{ channel: "room", appointment_id: "a" },
			404,
			"APPOINTMENT_NOT_FOUND",
		],
		["an unknown channel", "doctor", { channel: "everything", doctor_id: "DOCTOR" }, 400, "VALIDATION_ERROR"],
		["the doctor channel without doctor_id", "doctor", { channel: "doctor" }, 400, "VALIDATION_ERROR"],
		[
			"an appointment_id on the doctor channel",
			"doctor",
			{ channel: "doctor", doctor_id: "DOCTOR", appointment_id: "a" },
			400,
			"VALIDATION_ERROR",
		],
		[
			"an unknown field",
			"doctor",
			{ channel: "doctor", doctor_id: "DOCTOR", token: "x" },
			400,
			"VALIDATION_ERROR",
		],
	])("refuses %s", async (_name, who, body, status, code) => {
		const filled = JSON.parse(JSON.stringify(body).replaceAll("DOCTOR", doctor.id));
		const call = await askTicket(tokens[who] ?? {}, filled);
		expect([call.status, call.body.error?.code]).toEqual([status, code]);
	});
});

describe("the doctor's feed, opened with a ticket", () => {
	it("takes each ticket once: a replay, even a simultaneous one, is refused", async () => {
		const doctor = await createDoctor();
		const path = await doctorFeedPath(doctor.id, bearer(doctor.token));
		const answers = await Promise.all(
			[1, 2].map(() =>
				exports.default.fetch(new Request(`http://docslot.test${path}`, { headers: upgrade })),
			),
		);
		expect(answers.map((a) => a.status).sort()).toEqual([101, 401]);
		for (const answer of answers) answer.webSocket?.accept();
		for (const answer of answers) answer.webSocket?.close(1000, "test done");
		const again = await api("GET", path, { headers: upgrade });
		expect(again.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/already used/),
		});
	});

	it("refuses an expired ticket", async () => {
		const doctor = await createDoctor();
		const actor = { userId: await userIdOf(doctor.token), role: "doctor" as const, doctorId: doctor.id };
		const credential = { expiresAt: Date.now() + 3_600_000, version: 0 };
		const old = await issueTicket(
			env.AUTH_SECRET,
			{ actor, credential },
			"doctor",
			doctor.id,
			Date.now() - 61_000,
		);
		const call = await api("GET", `/api/doctors/${doctor.id}/live?ticket=${old.ticket}`, {
			headers: upgrade,
		});
		expect(call.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/expired/),
		});
	});

	it("refuses a ticket for another doctor or another channel with 403", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const elsewhere = await doctorFeedPath(other.id, bearer(other.token));
		const wrongDoctor = await api("GET", elsewhere.replace(other.id, doctor.id), { headers: upgrade });
		expect([wrongDoctor.status, wrongDoctor.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const actor = { userId: "admin", role: "admin" as const, doctorId: null };
		const me = await issueTicket(
			env.AUTH_SECRET,
			{ actor, credential: { expiresAt: null, version: 0 } },
			"me",
			doctor.id,
		);
		const wrongChannel = await api("GET", `/api/doctors/${doctor.id}/live?ticket=${me.ticket}`, {
			headers: upgrade,
		});
		expect([wrongChannel.status, wrongChannel.body.error.code]).toEqual([403, "FORBIDDEN"]);
	});

	it("refuses tickets it did not sign as they were signed", async () => {
		const doctor = await createDoctor();
		const path = await doctorFeedPath(doctor.id, bearer(doctor.token));
		const ticket = new URL(`http://x${path}`).searchParams.get("ticket") ?? "";
		const [claims, mac] = ticket.split(".") as [string, string];
		const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
		const actor = { userId: "admin", role: "admin" as const, doctorId: null };
		const foreign = await issueTicket(
			"another-secret",
			{ actor, credential: { expiresAt: null, version: 0 } },
			"doctor",
			doctor.id,
		);
		for (const forged of [
			`${flip(claims, 5)}.${mac}`,
			`${claims}.${flip(mac, 0)}`,
			`${claims}=.${mac}`,
			doctor.token,
			foreign.ticket,
		]) {
			const call = await api("GET", `/api/doctors/${doctor.id}/live?ticket=${encodeURIComponent(forged)}`, {
				headers: upgrade,
			});
			expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
		}
	});

	it("no longer takes ?token=, nor a bearer header, and says what to use instead", async () => {
		const doctor = await createDoctor();
		const path = `/api/doctors/${doctor.id}/live`;
		const byQuery = await api("GET", `${path}?token=${doctor.token}`, { headers: upgrade });
		expect(byQuery.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/\?token= is no longer accepted.*ticket/),
		});
		const byHeader = await api("GET", path, { headers: { ...upgrade, ...bearer(doctor.token) } });
		expect(byHeader.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/ticket/),
		});
		expect(byQuery.headers.get("cache-control")).toBe("no-store");
	});
});

describe("feed sockets and the Doctor object's feed timer", () => {
	it("closes a socket when the token it was opened with expires, and wakes again for the next", async () => {
		const doctor = await createDoctor();
		const issuedAt = Date.now() - TOKEN_TTL_SECONDS * 1000 + 120_000;
		const actor = { userId: await userIdOf(doctor.token), role: "doctor" as const, doctorId: doctor.id };
		const short = await issueToken(actor, env.AUTH_SECRET, issuedAt);
		const expiring = await openSocket(await doctorFeedPath(doctor.id, bearer(short)));
		const lasting = await openSocket(await doctorFeedPath(doctor.id, bearer(doctor.token)));
		const admin = await openSocket(await doctorFeedPath(doctor.id, ADMIN));
		for (const tab of [expiring, lasting, admin]) expect((await tab.next()).type).toBe("hello");

		const stub = doctorObject(env, doctor.id);
		setClock((Math.floor(issuedAt / 1000) + TOKEN_TTL_SECONDS) * 1000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await expiring.closedWithin()).toMatchObject({ code: 4001 });
		vi.useRealTimers();

		const lastingExpiry = JSON.parse(atob(doctor.token.split(".")[1] ?? "")).exp * 1000;
		const timers = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec("SELECT name, due_at FROM timers").toArray(),
		);
		expect(timers).toEqual([{ name: "feed", due_at: lastingExpiry }]);
		const patient = await createPatient();
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "10:00") },
		});
		for (const tab of [lasting, admin]) {
			expect(await tab.next()).toMatchObject({ type: "appointment", appointment: booked.body.appointment });
			tab.close();
		}
	});

	it("forgets used tickets once they expire, when their age alone refuses them", async () => {
		const doctor = await createDoctor();
		const path = await doctorFeedPath(doctor.id, bearer(doctor.token));
		const tab = await openSocket(path);
		expect((await tab.next()).type).toBe("hello");
		const stub = doctorObject(env, doctor.id);
		const used = () =>
			runInDurableObject(
				stub,
				(_i, state) => state.storage.sql.exec("SELECT id FROM used_tickets").toArray().length,
			);
		expect(await used()).toBe(1);
		setClock(Date.now() + 61_000);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await used()).toBe(0);
		const replay = await api("GET", path, { headers: upgrade });
		expect(replay.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/expired/),
		});
		vi.useRealTimers();
		tab.close();
	});
});
