// The Worker's queue() handler: POSTs each webhook delivery, signed, with a timeout; records every attempt
// in the delivery log (D1); retries non-2xx answers and timeouts with exponential backoff through the
// queue, which moves a message that failed its last attempt to the dead-letter queue, marked dead here.
import {
	firstRetrySeconds,
	WEBHOOK_MAX_ATTEMPTS,
	webhookRetryDelaySeconds,
	webhookSignature,
} from "../core/webhooks";
import { WEBHOOK_DEAD_LETTER_QUEUE_NAME, type WebhookMessage } from "./messages";

/** A receiver that has not answered by then counts as failed. */
const POST_TIMEOUT_MS = 10_000;

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

const UPSERT = `INSERT INTO webhook_deliveries (id, webhook_id, event, status, attempts, last_status_code, next_attempt_at, created_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
	ON CONFLICT (id) DO UPDATE SET status = CASE WHEN webhook_deliveries.status = 'delivered' THEN 'delivered' ELSE excluded.status END,
		attempts = max(webhook_deliveries.attempts, excluded.attempts), last_status_code = excluded.last_status_code,
		next_attempt_at = excluded.next_attempt_at`;

export async function handleWebhookBatch(
	batch: MessageBatch<WebhookMessage>,
	env: Env,
	fetcher: Fetcher = fetch,
	now: () => number = Date.now,
): Promise<void> {
	const dead = batch.queue === WEBHOOK_DEAD_LETTER_QUEUE_NAME;
	await Promise.all(
		batch.messages.map((message) => (dead ? markDead(env, message) : attempt(env, message, fetcher, now))),
	);
}

async function attempt(env: Env, message: Message<WebhookMessage>, fetcher: Fetcher, now: () => number) {
	const { webhook_id: webhookId, payload } = message.body;
	const webhook = await env.DB.prepare("SELECT url, secret FROM webhooks WHERE id = ?")
		.bind(webhookId)
		.first<{ url: string; secret: string }>();
	// Deleted since: nothing to send.
	if (webhook === null) return message.ack();
	const body = JSON.stringify(payload);
	let status: number | null = null;
	try {
		const response = await fetcher(webhook.url, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"docslot-signature": await webhookSignature(webhook.secret, body, Math.floor(now() / 1000)),
			},
			body,
			signal: AbortSignal.timeout(POST_TIMEOUT_MS),
		});
		status = response.status;
		await response.body?.cancel();
	} catch {
		status = null;
	}
	const ok = status !== null && status >= 200 && status < 300;
	const delay = webhookRetryDelaySeconds(
		message.attempts,
		firstRetrySeconds(env.WEBHOOK_FIRST_RETRY_SECONDS),
	);
	const last = message.attempts >= WEBHOOK_MAX_ATTEMPTS;
	await record(env, message, {
		status: ok ? "delivered" : "retrying",
		code: status,
		nextAttemptAt: ok || last ? null : new Date(now() + delay * 1000).toISOString(),
		now: now(),
	});
	if (ok) message.ack();
	else message.retry({ delaySeconds: delay });
}

async function markDead(env: Env, message: Message<WebhookMessage>) {
	const { webhook_id: webhookId, payload } = message.body;
	await env.DB.prepare(
		"UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = NULL WHERE id = ? AND status != 'delivered'",
	)
		.bind(payload.id)
		.run();
	console.error(
		JSON.stringify({
			event: "webhook_dead_lettered",
			delivery_id: payload.id,
			webhook_id: webhookId,
			type: payload.type,
		}),
	);
	message.ack();
}

function record(
	env: Env,
	message: Message<WebhookMessage>,
	outcome: {
		status: "delivered" | "retrying";
		code: number | null;
		nextAttemptAt: string | null;
		now: number;
	},
) {
	const { webhook_id: webhookId, payload } = message.body;
	return env.DB.prepare(UPSERT)
		.bind(
			payload.id,
			webhookId,
			payload.type,
			outcome.status,
			message.attempts,
			outcome.code,
			outcome.nextAttemptAt,
			new Date(outcome.now).toISOString(),
		)
		.run();
}
