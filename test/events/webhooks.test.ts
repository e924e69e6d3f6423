// Webhooks behind the API: the day-event consumer turns events into queue messages for matching webhooks
// (same ids on redelivery), and the queue handler signs, POSTs, logs every attempt, retries with backoff
// and marks dead-lettered deliveries dead. Queue and receiver are fakes here; test-e2e/mail-hooks runs both.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import type { DayEvent } from "../../src/core/day-decider";
import { verifyWebhookSignature } from "../../src/core/webhooks";
import type { DayFacts } from "../../src/events/consumers";
import { forgetWebhookDefinitions, webhooksConsumer } from "../../src/events/webhooks";
import type { WebhookMessage } from "../../src/webhooks/messages";
import { handleWebhookBatch } from "../../src/webhooks/queue";
import { unique } from "../helpers";

const facts = (): DayFacts => ({ doctorId: "dr-w", date: "2027-03-15", version: 0, booked: [] });

function appointment(doctorId: string): Appointment {
	return {
		// Shaped like a real id, so the doctor can be read back from it (a reschedule's old appointment).
		id: `${doctorId}.2027-03-15.${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
		doctor_id: doctorId,
		patient_id: "p-1",
		date: "2027-03-15",
		time: "09:00",
		start: "2027-03-15T09:00:00.000Z",
		end: "2027-03-15T09:30:00.000Z",
		status: "confirmed",
		consultation_mode: "in_person",
		reason: null,
		created_at: "2027-03-01T00:00:00.000Z",
		cancelled_at: null,
	};
}

async function addWebhook(doctorId: string | null, events: string[], url = "https://hooks.test/in") {
	const id = unique("wh");
	await env.DB.prepare(
		"INSERT INTO webhooks (id, doctor_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	)
		.bind(id, doctorId, url, JSON.stringify(events), `secret-${id}`, new Date().toISOString())
		.run();
	forgetWebhookDefinitions();
	return id;
}

/** The consumer's env with a queue that records what is sent. */
function recordingEnv() {
	const sent: WebhookMessage[] = [];
	const queue = {
		sendBatch: async (messages: Iterable<MessageSendRequest<WebhookMessage>>) => {
			for (const m of messages) sent.push(m.body);
		},
	};
	return { sent, env: { ...env, WEBHOOK_QUEUE: queue as unknown as Queue } };
}

beforeEach(async () => {
	await env.DB.prepare("DELETE FROM webhooks").run();
	forgetWebhookDefinitions();
});

describe("the webhooks consumer", () => {
	it("queues each webhook event once per matching webhook, with ids stable across redeliveries", async () => {
		const doctorId = unique("dr");
		const all = await addWebhook(null, ["appointment.booked", "appointment.cancelled"]);
		const own = await addWebhook(doctorId, ["appointment.booked"]);
		await addWebhook("another-doctor", ["appointment.booked"]);
		const a = appointment(doctorId);
		const batch = [
			{
				seq: 1,
				dayVersion: 1,
				attempts: 0,
				event: { type: "appointment.booked", appointment: a, booked_by: "p-1" },
			},
			{ seq: 2, dayVersion: 2, attempts: 0, event: { type: "day.config_changed", config_version: 2 } },
			{
				seq: 3,
				dayVersion: 3,
				attempts: 0,
				event: {
					type: "appointment.cancelled",
					appointment: { ...a, status: "cancelled" },
					cancelled_by: "patient",
				},
			},
		] as { seq: number; dayVersion: number; attempts: number; event: DayEvent }[];
		const first = recordingEnv();
		await webhooksConsumer.deliver(first.env, batch, facts);
		expect(first.sent.map((m) => [m.webhook_id, m.payload.type])).toEqual([
			[all, "appointment.booked"],
			[own, "appointment.booked"],
			[all, "appointment.cancelled"],
		]);
		expect(first.sent[0]?.payload).toEqual({
			id: expect.stringMatching(/^whd_[0-9a-f]{32}$/),
			type: "appointment.booked",
			created_at: a.created_at,
			data: { appointment: a },
		});
		const again = recordingEnv();
		await webhooksConsumer.deliver(again.env, batch, facts);
		expect(again.sent).toEqual(first.sent);
		expect(new Set(first.sent.map((m) => m.payload.id)).size).toBe(3);
	});

	it("sends a reschedule once, as appointment.rescheduled with the old id, to the old and the new doctor's webhooks", async () => {
		const [oldDoctor, newDoctor] = [unique("dr"), unique("dr")];
		const old = { ...appointment(oldDoctor), status: "rescheduled" as const };
		const to = { ...appointment(newDoctor), rescheduled_from: old.id };
		const forOld = await addWebhook(oldDoctor, ["appointment.rescheduled"]);
		const forNew = await addWebhook(newDoctor, ["appointment.rescheduled", "appointment.booked"]);
		const all = await addWebhook(null, ["appointment.rescheduled", "appointment.status_changed"]);
		await addWebhook(oldDoctor, ["appointment.booked", "appointment.status_changed"]);
		// The new day writes the booking, the old day the move; one batch here stands for both days' logs.
		const batch = [
			{
				seq: 1,
				dayVersion: 1,
				attempts: 0,
				event: { type: "appointment.booked", appointment: to, booked_by: "p-1" },
			},
			{
				seq: 2,
				dayVersion: 2,
				attempts: 0,
				event: {
					type: "appointment.status_changed",
					appointment: old,
					from: "confirmed",
					changed_by: "patient",
					to,
				},
			},
		] as { seq: number; dayVersion: number; attempts: number; event: DayEvent }[];
		const { sent, env: fake } = recordingEnv();
		await webhooksConsumer.deliver(fake, batch, facts);
		expect(sent.map((m) => m.webhook_id).sort()).toEqual([forOld, forNew, all].sort());
		for (const m of sent) {
			expect(m.payload).toEqual({
				id: expect.stringMatching(/^whd_/),
				type: "appointment.rescheduled",
				created_at: to.created_at,
				data: { appointment: to, previous: old.id },
			});
		}
	});

	it("reads no D1 and queues nothing for a batch without webhook events, or with no webhook", async () => {
		const { sent, env: fake } = recordingEnv();
		const noDb = { ...fake, DB: undefined as unknown as D1Database };
		await webhooksConsumer.deliver(
			noDb,
			[{ seq: 1, dayVersion: 1, attempts: 0, event: { type: "day.config_changed", config_version: 1 } }],
			facts,
		);
		await webhooksConsumer.deliver(
			fake,
			[
				{
					seq: 1,
					dayVersion: 1,
					attempts: 0,
					event: { type: "appointment.booked", appointment: appointment("dr-x"), booked_by: "p" },
				},
			],
			facts,
		);
		expect(sent).toEqual([]);
	});
});

/** A batch of one message whose ack/retry are recorded. */
function batchOf(body: WebhookMessage, attempts: number, queue = "docslot-webhooks") {
	const outcome: { acked: boolean; retryDelay: number | null } = { acked: false, retryDelay: null };
	const message = {
		id: "m1",
		timestamp: new Date(),
		body,
		attempts,
		ack: () => {
			outcome.acked = true;
		},
		retry: (options?: { delaySeconds?: number }) => {
			outcome.retryDelay = options?.delaySeconds ?? 0;
		},
	};
	const batch = { queue, messages: [message], ackAll: () => {}, retryAll: () => {} };
	return { batch: batch as unknown as MessageBatch<WebhookMessage>, outcome };
}

async function deliveries(webhookId: string) {
	return (
		await env.DB.prepare(
			"SELECT id, status, attempts, last_status_code, next_attempt_at FROM webhook_deliveries WHERE webhook_id = ?",
		)
			.bind(webhookId)
			.all()
	).results;
}

describe("the webhook queue handler", () => {
	it("signs and POSTs; retries a 500 and a timeout with growing delays; logs each attempt; a 2xx acks", async () => {
		const webhookId = await addWebhook("dr-q", ["appointment.booked"]);
		const body: WebhookMessage = {
			webhook_id: webhookId,
			payload: {
				id: `whd_${unique("d")}`,
				type: "appointment.booked",
				created_at: "2027-03-01T00:00:00.000Z",
				data: { appointment: appointment("dr-q") },
			},
		};
		const now = Date.UTC(2027, 0, 1);
		const seen: { signatureOk: boolean; body: string }[] = [];
		const answer = (status: number | "timeout") => async (url: string, init: RequestInit) => {
			expect(url).toBe("https://hooks.test/in");
			const text = String(init.body);
			const header = new Headers(init.headers).get("docslot-signature") ?? "";
			seen.push({
				signatureOk: await verifyWebhookSignature(`secret-${webhookId}`, text, header, now / 1000),
				body: text,
			});
			if (status === "timeout") throw new DOMException("timed out", "TimeoutError");
			return new Response(null, { status });
		};
		const first = batchOf(body, 1);
		await handleWebhookBatch(first.batch, env, answer(500), () => now);
		expect(first.outcome).toEqual({ acked: false, retryDelay: 2 });
		expect(await deliveries(webhookId)).toEqual([
			{
				id: body.payload.id,
				status: "retrying",
				attempts: 1,
				last_status_code: 500,
				next_attempt_at: new Date(now + 2000).toISOString(),
			},
		]);
		const second = batchOf(body, 2);
		await handleWebhookBatch(second.batch, env, answer("timeout"), () => now);
		expect(second.outcome).toEqual({ acked: false, retryDelay: 4 });
		expect(await deliveries(webhookId)).toMatchObject([
			{ status: "retrying", attempts: 2, last_status_code: null },
		]);
		const third = batchOf(body, 3);
		await handleWebhookBatch(third.batch, env, answer(204), () => now);
		expect(third.outcome).toEqual({ acked: true, retryDelay: null });
		expect(await deliveries(webhookId)).toEqual([
			{ id: body.payload.id, status: "delivered", attempts: 3, last_status_code: 204, next_attempt_at: null },
		]);
		expect(seen.every((s) => s.signatureOk && JSON.parse(s.body).id === body.payload.id)).toBe(true);
	});

	it("marks a dead-lettered delivery dead, and drops deliveries of a deleted webhook", async () => {
		const webhookId = await addWebhook("dr-q", ["appointment.booked"]);
		const body: WebhookMessage = {
			webhook_id: webhookId,
			payload: {
				id: `whd_${unique("d")}`,
				type: "appointment.booked",
				created_at: "2027-03-01T00:00:00.000Z",
				data: { appointment: appointment("dr-q") },
			},
		};
		const failing = async () => new Response(null, { status: 503 });
		await handleWebhookBatch(batchOf(body, 8).batch, env, failing);
		const dead = batchOf(body, 1, "docslot-webhooks-dead");
		await handleWebhookBatch(dead.batch, env, failing);
		expect(dead.outcome.acked).toBe(true);
		expect(await deliveries(webhookId)).toMatchObject([
			{ status: "dead", attempts: 8, last_status_code: 503, next_attempt_at: null },
		]);

		const gone = { ...body, webhook_id: "wh-deleted" };
		const dropped = batchOf(gone, 1);
		await handleWebhookBatch(dropped.batch, env, async () => {
			throw new Error("must not be called");
		});
		expect(dropped.outcome).toEqual({ acked: true, retryDelay: null });
	});
});
