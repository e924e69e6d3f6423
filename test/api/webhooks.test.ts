// /api/webhooks over HTTP: who may subscribe to what, the contract's shapes, bad input, the list's pages,
// and a booking's delivery reaching the log through the day events and the queue.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatient, eventually, inDays } from "../helpers";

const HOOK = { url: "http://127.0.0.1:9/hook", events: ["appointment.booked"] };

describe("POST /api/webhooks", () => {
	it("gives a doctor a webhook for their own events, with a secret shown once", async () => {
		const doctor = await createDoctor();
		const created = await api("POST", "/api/webhooks", { headers: bearer(doctor.token), body: HOOK });
		expect(created.status).toBe(201);
		expect(created.body.webhook).toEqual({
			id: expect.stringMatching(/^wh_/),
			url: HOOK.url,
			events: HOOK.events,
			doctor_id: doctor.id,
			created_at: expect.any(String),
			secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/),
		});
		const read = await api("GET", `/api/webhooks/${created.body.webhook.id}`, {
			headers: bearer(doctor.token),
		});
		expect(read.body.webhook).not.toHaveProperty("secret");
	});

	it("refuses a doctor another doctor's events, patients, and anonymous callers", async () => {
		const [doctor, other, patient] = [await createDoctor(), await createDoctor(), await createPatient()];
		const foreign = await api("POST", "/api/webhooks", {
			headers: bearer(doctor.token),
			body: { ...HOOK, doctor_id: other.id },
		});
		expect([foreign.status, foreign.body.error.code]).toEqual([403, "FORBIDDEN"]);
		expect((await api("POST", "/api/webhooks", { headers: bearer(patient.token), body: HOOK })).status).toBe(
			403,
		);
		expect((await api("POST", "/api/webhooks", { body: HOOK })).status).toBe(401);
		const unknown = await api("POST", "/api/webhooks", {
			headers: ADMIN,
			body: { ...HOOK, doctor_id: "no-such" },
		});
		expect([unknown.status, unknown.body.error.code]).toEqual([404, "DOCTOR_NOT_FOUND"]);
		const admins = await api("POST", "/api/webhooks", {
			headers: ADMIN,
			body: { ...HOOK, doctor_id: other.id },
		});
		expect([admins.status, admins.body.webhook.doctor_id]).toEqual([201, other.id]);
		// A doctor neither sees nor deletes another's webhook.
		const id = admins.body.webhook.id;
		expect((await api("GET", `/api/webhooks/${id}`, { headers: bearer(doctor.token) })).status).toBe(404);
		expect((await api("DELETE", `/api/webhooks/${id}`, { headers: bearer(doctor.token) })).status).toBe(404);
		expect(
			(await api("GET", `/api/webhooks/${id}/deliveries`, { headers: bearer(doctor.token) })).status,
		).toBe(404);
		const listed = await api("GET", "/api/webhooks", { headers: bearer(doctor.token) });
		expect(listed.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
	});

	it.each([
		["no url", { events: ["appointment.booked"] }],
		["a non-http url", { url: "ftp://x.test/", events: ["appointment.booked"] }],
		["no events", { url: HOOK.url, events: [] }],
		["an unknown event", { url: HOOK.url, events: ["appointment.eaten"] }],
		["an unknown field", { ...HOOK, extra: 1 }],
	])("answers 400 for %s", async (_name, body) => {
		const call = await api("POST", "/api/webhooks", { headers: ADMIN, body });
		expect([call.status, call.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
	});
});

describe("webhooks and their deliveries", () => {
	it("lists in pages and deletes", async () => {
		const doctor = await createDoctor();
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) {
			ids.push(
				(await api("POST", "/api/webhooks", { headers: bearer(doctor.token), body: HOOK })).body.webhook.id,
			);
		}
		const first = await api("GET", "/api/webhooks?limit=2", { headers: bearer(doctor.token) });
		const second = await api("GET", `/api/webhooks?limit=2&cursor=${first.body.next_cursor}`, {
			headers: bearer(doctor.token),
		});
		expect([...first.body.webhooks, ...second.body.webhooks].map((w: { id: string }) => w.id)).toEqual(ids);
		expect(second.body.next_cursor).toBeNull();
		const deleted = await api("DELETE", `/api/webhooks/${ids[0]}`, { headers: bearer(doctor.token) });
		expect([deleted.status, deleted.body.webhook.id]).toEqual([200, ids[0]]);
		expect((await api("GET", `/api/webhooks/${ids[0]}`, { headers: bearer(doctor.token) })).status).toBe(404);
	});

	it("logs a reschedule as one appointment.rescheduled delivery after the booking's", async () => {
		const [doctor, patient] = [await createDoctor(), await createPatient()];
		const created = await api("POST", "/api/webhooks", {
			headers: bearer(doctor.token),
			body: {
				url: HOOK.url,
				events: [
					"appointment.booked",
					"appointment.cancelled",
					"appointment.status_changed",
					"appointment.rescheduled",
				],
			},
		});
		expect([created.status, created.body.webhook.events.at(-1)]).toEqual([201, "appointment.rescheduled"]);
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		const moved = await api("POST", `/api/appointments/${booked.body.appointment.id}/reschedule`, {
			headers: { ...bearer(patient.token), "idempotency-key": crypto.randomUUID() },
			body: { start: at(inDays(3), "10:00") },
		});
		expect(moved.status).toBe(200);
		const path = `/api/webhooks/${created.body.webhook.id}/deliveries`;
		const events = async () =>
			(await api("GET", path, { headers: bearer(doctor.token) })).body.deliveries
				.map((d: { event: string }) => d.event)
				.sort();
		await eventually(async () => (await events()).length >= 2);
		expect(await events()).toEqual(["appointment.booked", "appointment.rescheduled"]);
	});

	it("logs a booking's delivery: the receiver is unreachable, so it is retrying", async () => {
		const [doctor, patient] = [await createDoctor(), await createPatient()];
		const hook = (await api("POST", "/api/webhooks", { headers: bearer(doctor.token), body: HOOK })).body
			.webhook;
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);
		const path = `/api/webhooks/${hook.id}/deliveries`;
		await eventually(
			async () => (await api("GET", path, { headers: bearer(doctor.token) })).body.deliveries.length > 0,
		);
		const { body } = await api("GET", path, { headers: bearer(doctor.token) });
		expect(body.deliveries[0]).toEqual({
			id: expect.stringMatching(/^whd_/),
			event: "appointment.booked",
			status: "retrying",
			attempts: 1,
			last_status_code: null,
			next_attempt_at: expect.any(String),
		});
		expect(body.next_cursor).toBeNull();
	});
});
