// The webhook dead-letter queue end to end: a receiver that always answers 500 gets exactly 8 attempts, then
// wrangler dev's local queue moves the message to docslot-webhooks-dead, whose consumer marks the delivery
// `dead` and logs it. Its own server, with WEBHOOK_FIRST_RETRY_SECONDS=0, so the 8 attempts take seconds
// (each retry waits for the queue's 1 s batch) rather than the production backoff's 4 minutes.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays, patientToken } from "./client";
import { startServer, type TestServer } from "./server";
import { until, webhookReceiver } from "./webhook-receiver";

describe("a webhook receiver that always fails", () => {
	const hook = webhookReceiver();
	let server: TestServer | undefined;
	beforeAll(hook.listen);
	afterAll(async () => {
		await server?.dispose();
		await hook.close();
	});

	it("gets 8 attempts, then the delivery is dead in the log and in wrangler's log", async () => {
		server = await startServer({ vars: { WEBHOOK_FIRST_RETRY_SECONDS: "0" } });
		const s = server;
		hook.setMode("500");
		const doctor = await createDoctor({ baseUrl: s.baseUrl, adminToken: s.adminToken });
		const created = await api(s.baseUrl, "POST", "/api/webhooks", {
			token: doctor.token,
			body: { url: hook.url(), events: ["appointment.booked"] },
		});
		expect(created.status).toBe(201);
		const booked = await api(s.baseUrl, "POST", "/api/appointments", {
			token: await patientToken(s.authSecret, `dlq-${crypto.randomUUID()}`),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);

		const path = `/api/webhooks/${created.body.webhook.id}/deliveries`;
		const deliveries = async () =>
			(await api(s.baseUrl, "GET", path, { token: doctor.token })).body.deliveries;
		await until(async () => (await deliveries())[0]?.status === "dead", 30_000, "the delivery to be dead");
		const [dead] = await deliveries();
		expect(dead).toEqual({
			id: expect.stringMatching(/^whd_/),
			event: "appointment.booked",
			status: "dead",
			attempts: 8,
			last_status_code: 500,
			next_attempt_at: null,
		});
		expect(hook.attempts.get(dead.id)).toBe(8);
		expect(hook.refused["500"]).toBe(8);
		const log = readFileSync(s.logFile, "utf8");
		expect(log).toContain(`to dead letter queue "docslot-webhooks-dead" after 8 failed attempts`);
		expect(log).toContain(`"event":"webhook_dead_lettered","delivery_id":"${dead.id}"`);
		// About 10 s after the server is up; the rest is wrangler's start, slow on a loaded machine.
	}, 90_000);
});
