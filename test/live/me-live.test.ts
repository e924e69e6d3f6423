// GET /api/me/live: the signed-in account's own channel, opened with a single-use "me" ticket. It starts with
// the unread count, then carries each notification as it arrives (and the visit's steps, which notify no one,
// as the appointment itself); it closes when its token expires, and
// when the account is deleted.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { issueToken, TOKEN_TTL_SECONDS } from "../../src/api/auth";
import { issueTicket } from "../../src/api/live-tickets";
import { userObject } from "../../src/user/stub";
import { api, at, bearer, createDoctor, createPatient, eventually, inDays } from "../helpers";
import { openSocket } from "./inbox";

const upgrade = { upgrade: "websocket" };

afterEach(() => {
	vi.useRealTimers();
});

async function mePath(token: string): Promise<string> {
	const call = await api("POST", "/api/live-tickets", { headers: bearer(token), body: { channel: "me" } });
	if (call.status !== 200) throw new Error(`live ticket: ${call.status} ${JSON.stringify(call.body)}`);
	return `/api/me/live?ticket=${call.body.ticket}`;
}

describe("the me channel", () => {
	it("opens with the unread count, then pushes each notification and the new count", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const tab = await openSocket(await mePath(patient.token));
		expect(await tab.next()).toEqual({ type: "unread", count: 0 });
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "10:00") },
		});
		expect(await tab.next()).toMatchObject({
			type: "notification",
			notification: { type: "booked", appointment_id: booked.body.appointment.id, read_at: null },
		});
		expect(await tab.next()).toEqual({ type: "unread", count: 1 });
		// Read in another tab: this one hears the count.
		await api("POST", "/api/notifications/read-all", { headers: bearer(patient.token) });
		expect(await tab.next()).toEqual({ type: "unread", count: 0 });
		tab.close();
	});

	it("shows the visit's steps (checked in, completed) as the appointment itself, with no notification", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "11:00") },
		});
		const id = booked.body.appointment.id;
		// The booking's own notification first, so the tab opens after it.
		await eventually(async () => {
			const inbox = await api("GET", "/api/notifications", { headers: bearer(patient.token) });
			return inbox.body.unread === 1;
		});
		const tab = await openSocket(await mePath(patient.token));
		expect(await tab.next()).toEqual({ type: "unread", count: 1 });
		for (const status of ["checked_in", "completed"]) {
			const moved = await api("POST", `/api/appointments/${id}/status`, {
				headers: bearer(doctor.token),
				body: { status },
			});
			expect(moved.status).toBe(200);
			expect(await tab.next()).toMatchObject({ type: "appointment", appointment: { id, status } });
		}
		expect(await tab.silentFor(200)).toBe(true);
		const inbox = await api("GET", "/api/notifications", { headers: bearer(patient.token) });
		expect(inbox.body.notifications.map((n: { type: string }) => n.type)).toEqual(["booked"]);
		tab.close();
	});

	it("takes each ticket once, refuses an expired one, and ?token=", async () => {
		const patient = await createPatient();
		const path = await mePath(patient.token);
		const answers = await Promise.all(
			[1, 2].map(() =>
				exports.default.fetch(new Request(`http://docslot.test${path}`, { headers: upgrade })),
			),
		);
		expect(answers.map((a) => a.status).sort()).toEqual([101, 401]);
		for (const answer of answers) answer.webSocket?.accept();
		for (const answer of answers) answer.webSocket?.close(1000, "test done");
		const replay = await api("GET", path, { headers: upgrade });
		expect(replay.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/already used/),
		});

		const actor = { userId: patient.id, role: "patient" as const, doctorId: null };
		const old = await issueTicket(
			env.AUTH_SECRET,
			{ actor, credential: { expiresAt: Date.now() + 3_600_000, version: 0 } },
			"me",
			patient.id,
			Date.now() - 61_000,
		);
		const expired = await api("GET", `/api/me/live?ticket=${old.ticket}`, { headers: upgrade });
		expect(expired.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/expired/),
		});
		const byToken = await api("GET", `/api/me/live?token=${patient.token}`, { headers: upgrade });
		expect(byToken.body.error).toMatchObject({
			code: "UNAUTHORIZED",
			message: expect.stringMatching(/\?token= is no longer accepted/),
		});
		const noUpgrade = await api("GET", await mePath(patient.token));
		expect([noUpgrade.status, noUpgrade.body.error.code]).toEqual([426, "UPGRADE_REQUIRED"]);
	});

	it("refuses a doctor-feed ticket, and a me ticket whose target is someone else", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const feed = await api("POST", "/api/live-tickets", {
			headers: bearer(doctor.token),
			body: { channel: "doctor", doctor_id: doctor.id },
		});
		const wrongChannel = await api("GET", `/api/me/live?ticket=${feed.body.ticket}`, { headers: upgrade });
		expect([wrongChannel.status, wrongChannel.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const actor = { userId: patient.id, role: "patient" as const, doctorId: null };
		const someoneElse = await issueTicket(
			env.AUTH_SECRET,
			{ actor, credential: { expiresAt: null, version: 0 } },
			"me",
			"another-user",
		);
		const call = await api("GET", `/api/me/live?ticket=${someoneElse.ticket}`, { headers: upgrade });
		expect([call.status, call.body.error.code]).toEqual([403, "FORBIDDEN"]);
	});

	it("closes with 4001 when the token it was opened with expires", async () => {
		const patient = await createPatient();
		const actor = { userId: patient.id, role: "patient" as const, doctorId: null };
		const issuedAt = Date.now() - TOKEN_TTL_SECONDS * 1000 + 120_000;
		const short = await issueToken(actor, env.AUTH_SECRET, issuedAt);
		const expiring = await openSocket(await mePath(short));
		const lasting = await openSocket(await mePath(patient.token));
		for (const tab of [expiring, lasting]) expect(await tab.next()).toEqual({ type: "unread", count: 0 });
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime((Math.floor(issuedAt / 1000) + TOKEN_TTL_SECONDS) * 1000);
		expect(await runDurableObjectAlarm(userObject(env, patient.id))).toBe(true);
		expect(await expiring.closedWithin()).toMatchObject({ code: 4001 });
		vi.useRealTimers();
		await userObject(env, patient.id).deliver([
			{ id: "n1", type: "booked", appointment_id: null, title: "t", body: "b" },
		]);
		expect(await lasting.next()).toMatchObject({ type: "notification", notification: { id: "n1" } });
		lasting.close();
	});

	it("is closed, and the inbox removed, when the account is deleted", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "11:00") },
		});
		const tab = await openSocket(await mePath(patient.token));
		const first = await tab.next();
		// The booking's notice is in the inbox before the deletion.
		if (first.count === 0) expect((await tab.next()).type).toBe("notification");
		expect((await userObject(env, patient.id).list(50, null)).unread).toBe(1);
		const deleted = await api("DELETE", "/api/me", { headers: bearer(patient.token) });
		expect(deleted.status).toBe(200);
		expect(await tab.closedWithin()).toMatchObject({ code: 1000 });
		// The cancellation's own notice arrives after the deletion and is dropped by the tombstone.
		await scheduler.wait(300);
		expect(await userObject(env, patient.id).list(50, null)).toEqual({
			notifications: [],
			unread: 0,
			nextAfter: null,
		});
	});
});
