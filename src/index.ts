// The Worker entry: the Hono app for HTTP, the webhook queues' consumer, and the Durable Object classes.
import { createApp } from "./api/app";
import type { WebhookMessage } from "./webhooks/messages";
import { handleWebhookBatch } from "./webhooks/queue";

export { Doctor } from "./doctor/doctor";
export { DoctorDay } from "./doctor-day/doctor-day";
export { Room } from "./room/room";
export { User } from "./user/user";

const app = createApp();

export default {
	fetch: app.fetch,
	queue: (batch, env) => handleWebhookBatch(batch, env),
} satisfies ExportedHandler<Env, WebhookMessage>;
