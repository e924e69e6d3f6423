// GET /api/notifications, POST /api/notifications/:id/read and /read-all over HTTP: the contract's shapes,
// pages with cursors, and nobody reading or marking anyone else's notifications.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { userObject } from "../../src/user/stub";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays, type TestPatient } from "../helpers";

/** Waits (bounded) until the caller's list holds `count` notifications: they arrive after the booking's answer. */
async function listed(headers: Record<string, string>, count: number, query = "") {
	const deadline = Date.now() + 5_000;
	for (;;) {
		const call = await api("GET", `/api/notifications${query}`, { headers });
		if (call.status !== 200 || call.body.notifications.length >= count || Date.now() > deadline) return call;
		await scheduler.wait(10);
	}
}

describe("the notifications list", () => {
	let patient: TestPatient;
	let other: TestPatient;
	beforeAll(async () => {
		const doctor = await createDoctor();
		[patient, other] = [await createPatient(), await createPatient()];
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);
		await api("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
			headers: bearer(patient.token),
		});
	});

	it("lists the caller's notifications, newest first, in the contract's shape", async () => {
		const call = await listed(bearer(patient.token), 2);
		expect(call.status).toBe(200);
		expect(Object.keys(call.body).sort()).toEqual(["next_cursor", "notifications", "unread"]);
		expect(call.body).toMatchObject({ unread: 2, next_cursor: null });
		expect(call.body.notifications.map((n: { type: string }) => n.type)).toEqual(["cancelled", "booked"]);
		for (const n of call.body.notifications) {
			expect(Object.keys(n).sort()).toEqual(
				["appointment_id", "body", "created_at", "id", "read_at", "title", "type"].sort(),
			);
			expect(n.read_at).toBeNull();
		}
		expect(call.headers.get("cache-control")).toBe("no-store");
	});

	it("marks one read, then all, and counts what is left unread", async () => {
		const [newest, oldest] = (await listed(bearer(patient.token), 2)).body.notifications;
		const one = await api("POST", `/api/notifications/${oldest.id}/read`, { headers: bearer(patient.token) });
		expect(one.status).toBe(200);
		expect(one.body).toMatchObject({
			unread: 1,
			notification: { id: oldest.id, read_at: expect.any(String) },
		});
		const again = await api("POST", `/api/notifications/${oldest.id}/read`, {
			headers: bearer(patient.token),
		});
		expect(again.body).toEqual(one.body);
		const all = await api("POST", "/api/notifications/read-all", { headers: bearer(patient.token) });
		expect([all.status, all.body]).toEqual([200, { marked: 1, unread: 0 }]);
		const after = await api("GET", "/api/notifications", { headers: bearer(patient.token) });
		expect(after.body.unread).toBe(0);
		expect(after.body.notifications.find((n: { id: string }) => n.id === newest.id).read_at).toEqual(
			expect.any(String),
		);
	});

	it("never shows or marks another account's notifications", async () => {
		const mine = (await listed(bearer(patient.token), 2)).body.notifications;
		const theirs = await api("GET", "/api/notifications", { headers: bearer(other.token) });
		expect(theirs.body).toEqual({ notifications: [], unread: 0, next_cursor: null });
		const before = JSON.stringify(mine);
		for (const path of [`/api/notifications/${mine[0].id}/read`]) {
			const call = await api("POST", path, { headers: bearer(other.token) });
			expect([call.status, call.body.error.code]).toEqual([404, "NOT_FOUND"]);
		}
		const readAll = await api("POST", "/api/notifications/read-all", { headers: bearer(other.token) });
		expect(readAll.body).toEqual({ marked: 0, unread: 0 });
		expect(JSON.stringify((await listed(bearer(patient.token), 2)).body.notifications)).toBe(before);
	});

	it.each<[string, Record<string, string>, string, string, number, string]>([
		["nobody", {}, "GET", "/api/notifications", 401, "UNAUTHORIZED"],
		["a bad token", { authorization: "Bearer nope" }, "GET", "/api/notifications", 401, "UNAUTHORIZED"],
		["nobody", {}, "POST", "/api/notifications/read-all", 401, "UNAUTHORIZED"],
		["nobody", {}, "POST", "/api/notifications/x/read", 401, "UNAUTHORIZED"],
		["the admin token, which is no account", ADMIN, "GET", "/api/notifications", 403, "FORBIDDEN"],
		["the admin token", ADMIN, "POST", "/api/notifications/read-all", 403, "FORBIDDEN"],
	])("refuses %s: %s %s", async (_who, headers, method, path, status, code) => {
		const call = await api(method, path, { headers });
		expect([call.status, call.body.error.code]).toEqual([status, code]);
	});
});

describe("pages", () => {
	it("walks every notification once with limit and cursor", async () => {
		const patient = await createPatient();
		const ids = Array.from({ length: 7 }, (_, i) => `n${i}`);
		await userObject(env, patient.id).deliver(
			ids.map((id) => ({ id, type: "booked", appointment_id: null, title: id, body: id })),
		);
		const seen: string[] = [];
		let cursor: string | null = null;
		const sizes: number[] = [];
		do {
			const query: string = cursor === null ? "?limit=3" : `?limit=3&cursor=${cursor}`;
			const call = await api("GET", `/api/notifications${query}`, { headers: bearer(patient.token) });
			expect(call.status).toBe(200);
			expect(call.body.unread).toBe(7);
			sizes.push(call.body.notifications.length);
			seen.push(...call.body.notifications.map((n: { id: string }) => n.id));
			cursor = call.body.next_cursor;
		} while (cursor !== null);
		expect(sizes).toEqual([3, 3, 1]);
		expect(seen).toEqual([...ids].reverse());
		const all = await api("GET", "/api/notifications", { headers: bearer(patient.token) });
		expect([all.body.notifications.length, all.body.next_cursor]).toEqual([7, null]);
	});

	it.each([
		["a cursor it never gave", "?cursor=abc"],
		["a negative cursor", "?cursor=-1"],
		["a zero cursor", "?cursor=0"],
		["a huge cursor", "?cursor=99999999999999999999"],
		["limit 0", "?limit=0"],
		["limit 201", "?limit=201"],
		["a fractional limit", "?limit=2.5"],
		["an unknown parameter", "?page=2"],
	])("answers 400 for %s", async (_name, query) => {
		const patient = await createPatient();
		const call = await api("GET", `/api/notifications${query}`, { headers: bearer(patient.token) });
		expect([call.status, call.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
	});

	it("takes limit 200", async () => {
		const patient = await createPatient();
		const call = await api("GET", "/api/notifications?limit=200", { headers: bearer(patient.token) });
		expect(call.status).toBe(200);
	});
});
