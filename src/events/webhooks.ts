// Webhook deliveries from a doctor-day's events: each booked, cancelled, status or reschedule event becomes
// one queue message per matching webhook, with an id derived from the webhook and the event's place in the
// day's log, so a redelivered batch sends the same ids (receivers dedupe). The queue sends and retries.
import { webhookDeliveryId, webhookEventOf, webhookWants } from "../core/webhooks";
import { hop } from "../lib/hops";
import type { WebhookMessage } from "../webhooks/messages";
import type { DayEventConsumer } from "./consumers";

export interface WebhookDefinition {
	id: string;
	doctorId: string | null;
	events: string[];
}

// Definitions change rarely; a new webhook hears events within this (a batch need not read D1).
const DEFINITIONS_TTL_MS = 10_000;
let cached: { definitions: WebhookDefinition[]; readAt: number } | null = null;

/** Every webhook, cached per isolate for a few seconds. */
export async function webhookDefinitions(env: Env, now = Date.now()): Promise<WebhookDefinition[]> {
	if (cached !== null && now - cached.readAt < DEFINITIONS_TTL_MS) return cached.definitions;
	hop(env, "object→D1", "after", "webhooks.definitions");
	const { results } = await env.DB.prepare("SELECT id, doctor_id, events FROM webhooks").all<{
		id: string;
		doctor_id: string | null;
		events: string;
	}>();
	const definitions = results.map((r) => ({
		id: r.id,
		doctorId: r.doctor_id,
		events: JSON.parse(r.events) as string[],
	}));
	cached = { definitions, readAt: now };
	return definitions;
}

/** Forgets the cached definitions (this isolate created or deleted one; tests). */
export function forgetWebhookDefinitions(): void {
	cached = null;
}

export const webhooksConsumer: DayEventConsumer = {
	name: "webhooks",
	async deliver(env, batch) {
		const events = batch.flatMap(({ seq, event }) => {
			const hook = webhookEventOf(event);
			return hook === null ? [] : [{ seq, ...hook }];
		});
		if (events.length === 0) return;
		const definitions = await webhookDefinitions(env);
		const messages: { body: WebhookMessage }[] = [];
		for (const event of events) {
			// The event's own day (its log numbers it), whichever doctors hear of it.
			const { doctor_id: doctorId, date } = event.appointment;
			const data =
				event.previous === undefined
					? { appointment: event.appointment }
					: { appointment: event.appointment, previous: event.previous };
			for (const webhook of definitions) {
				if (!webhookWants(webhook, event.doctorIds, event.type)) continue;
				const id = await webhookDeliveryId(webhook.id, doctorId, date, event.seq);
				messages.push({
					body: {
						webhook_id: webhook.id,
						payload: { id, type: event.type, created_at: event.createdAt, data },
					},
				});
			}
		}
		// sendBatch takes at most 100 messages.
		for (let i = 0; i < messages.length; i += 100) {
			await env.WEBHOOK_QUEUE.sendBatch(messages.slice(i, i + 100));
		}
	},
};
