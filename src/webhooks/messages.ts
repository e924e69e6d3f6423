// What travels through the webhook queue: one delivery of one day event to one webhook.
import type { WebhookPayload } from "../core/webhooks";

export interface WebhookMessage {
	webhook_id: string;
	payload: WebhookPayload;
}

/** The queue and its dead-letter queue, as named in wrangler.toml. */
export const WEBHOOK_QUEUE_NAME = "docslot-webhooks";
export const WEBHOOK_DEAD_LETTER_QUEUE_NAME = "docslot-webhooks-dead";
