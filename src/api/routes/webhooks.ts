// /api/webhooks: signed webhooks for admins (every doctor's events, or one doctor's) and doctors (their own),
// and each webhook's delivery log. Deliveries come from the day events (src/events/webhooks.ts) via the queue.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Actor } from "../../core/appointment";
import { WEBHOOK_EVENTS } from "../../core/webhooks";
import { database } from "../../db/client";
import { doctors, webhookDeliveries, webhooks } from "../../db/schema";
import { forgetWebhookDefinitions } from "../../events/webhooks";
import { newId, nowIso } from "../../lib/ids";
import { allow, requireActor } from "../auth";
import { ApiError } from "../errors";
import { afterKey, decodeCursor, PageQuery, pageOf } from "../pagination";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";

export const webhookRoutes = newRouter();

const WebhookUrl = z
	.url({ protocol: /^https?$/, message: "Must be an http(s) URL." })
	.max(2000)
	.openapi({ example: "https://clinic.example/hooks/docslot" });
const CreateWebhookBody = z.strictObject({
	url: WebhookUrl,
	events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
	/** Admins: one doctor's events only; absent: every doctor's. Doctors: their own, whatever is given. */
	doctor_id: z.string().min(1).max(100).optional(),
});
const Webhook = z.object({
	id: z.string(),
	url: z.string(),
	events: z.array(z.string()),
	doctor_id: z.string().nullable(),
	created_at: z.string(),
});
const IdParam = z.object({ id: z.string().min(1).max(100) });
const Delivery = z.object({
	id: z.string(),
	event: z.string(),
	status: z.enum(["pending", "retrying", "delivered", "dead"]),
	attempts: z.number(),
	last_status_code: z.number().nullable(),
	next_attempt_at: z.string().nullable(),
});

type WebhookRow = typeof webhooks.$inferSelect;

function view(row: WebhookRow) {
	return {
		id: row.id,
		url: row.url,
		events: JSON.parse(row.events) as string[],
		doctor_id: row.doctorId,
		created_at: row.createdAt,
	};
}

/** The webhooks a caller may see: an admin all, a doctor their own. */
function visibleTo(actor: Actor) {
	return actor.role === "admin" ? undefined : eq(webhooks.doctorId, actor.doctorId ?? "");
}

async function ownWebhook(env: Env, actor: Actor, id: string): Promise<WebhookRow> {
	const [row] = await database(env.DB)
		.select()
		.from(webhooks)
		.where(and(eq(webhooks.id, id), visibleTo(actor)));
	// Another doctor's webhook is as good as missing.
	if (row === undefined) throw new ApiError("NOT_FOUND", "No such webhook.");
	return row;
}

webhookRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/webhooks",
		middleware: [allow("admin", "doctor")] as const,
		tags: ["webhooks"],
		summary: "Subscribe a URL to appointment events; the secret signs every delivery and is shown only here",
		security: bearer,
		request: { body: jsonBody(CreateWebhookBody) },
		responses: {
			201: jsonContent(z.object({ webhook: Webhook.extend({ secret: z.string() }) }), "Created"),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c, "admin", "doctor");
		const body = c.req.valid("json");
		if (actor.role === "doctor" && body.doctor_id !== undefined && body.doctor_id !== actor.doctorId) {
			throw new ApiError("FORBIDDEN", "A doctor subscribes to their own events only.");
		}
		if (actor.role === "admin" && body.doctor_id !== undefined) {
			const [doctor] = await database(c.env.DB)
				.select({ id: doctors.id })
				.from(doctors)
				.where(eq(doctors.id, body.doctor_id));
			if (doctor === undefined) throw new ApiError("DOCTOR_NOT_FOUND");
		}
		const secretBytes = crypto.getRandomValues(new Uint8Array(32));
		const row: WebhookRow = {
			id: `wh_${newId()}`,
			doctorId: actor.role === "doctor" ? actor.doctorId : (body.doctor_id ?? null),
			url: body.url,
			events: JSON.stringify([...new Set(body.events)]),
			secret: `whsec_${[...secretBytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`,
			createdAt: nowIso(),
		};
		await database(c.env.DB).insert(webhooks).values(row);
		forgetWebhookDefinitions();
		return c.json({ webhook: { ...view(row), secret: row.secret } }, 201);
	},
);

webhookRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/webhooks",
		middleware: [allow("admin", "doctor")] as const,
		tags: ["webhooks"],
		summary: "The webhooks you may manage, newest last",
		security: bearer,
		request: { query: z.object(PageQuery) },
		responses: {
			200: jsonContent(
				z.object({ webhooks: z.array(Webhook), next_cursor: z.string().nullable() }),
				"Webhooks",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c, "admin", "doctor");
		const { limit, cursor } = c.req.valid("query");
		const after = decodeCursor(cursor, "string");
		const rows = await database(c.env.DB)
			.select()
			.from(webhooks)
			.where(and(visibleTo(actor), afterKey(webhooks.createdAt, webhooks.id, after)))
			.orderBy(webhooks.createdAt, webhooks.id)
			.limit(limit + 1);
		const page = pageOf(rows, limit, (r) => [r.createdAt, r.id]);
		return c.json({ webhooks: page.items.map(view), next_cursor: page.next_cursor }, 200);
	},
);

webhookRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/webhooks/{id}",
		middleware: [allow("admin", "doctor")] as const,
		tags: ["webhooks"],
		summary: "One webhook (its secret is shown only when created)",
		security: bearer,
		request: { params: IdParam },
		responses: { 200: jsonContent(z.object({ webhook: Webhook }), "The webhook"), ...errorResponses },
	}),
	async (c) => {
		const actor = requireActor(c, "admin", "doctor");
		return c.json({ webhook: view(await ownWebhook(c.env, actor, c.req.valid("param").id)) }, 200);
	},
);

webhookRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/webhooks/{id}",
		middleware: [allow("admin", "doctor")] as const,
		tags: ["webhooks"],
		summary: "Stop a webhook: deliveries still queued for it are dropped",
		security: bearer,
		request: { params: IdParam },
		responses: { 200: jsonContent(z.object({ webhook: Webhook }), "The deleted webhook"), ...errorResponses },
	}),
	async (c) => {
		const actor = requireActor(c, "admin", "doctor");
		const row = await ownWebhook(c.env, actor, c.req.valid("param").id);
		await database(c.env.DB).delete(webhooks).where(eq(webhooks.id, row.id));
		forgetWebhookDefinitions();
		return c.json({ webhook: view(row) }, 200);
	},
);

webhookRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/webhooks/{id}/deliveries",
		middleware: [allow("admin", "doctor")] as const,
		tags: ["webhooks"],
		summary: "The webhook's delivery log, oldest first: every attempt's outcome, and the next try",
		security: bearer,
		request: { params: IdParam, query: z.object(PageQuery) },
		responses: {
			200: jsonContent(
				z.object({ deliveries: z.array(Delivery), next_cursor: z.string().nullable() }),
				"Deliveries",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c, "admin", "doctor");
		const row = await ownWebhook(c.env, actor, c.req.valid("param").id);
		const { limit, cursor } = c.req.valid("query");
		const after = decodeCursor(cursor, "string");
		const rows = await database(c.env.DB)
			.select()
			.from(webhookDeliveries)
			.where(
				and(
					eq(webhookDeliveries.webhookId, row.id),
					afterKey(webhookDeliveries.createdAt, webhookDeliveries.id, after),
				),
			)
			.orderBy(webhookDeliveries.createdAt, webhookDeliveries.id)
			.limit(limit + 1);
		const page = pageOf(rows, limit, (r) => [r.createdAt, r.id]);
		const deliveries = page.items.map((d) => ({
			id: d.id,
			event: d.event,
			status: d.status,
			attempts: d.attempts,
			last_status_code: d.lastStatusCode,
			next_attempt_at: d.nextAttemptAt,
		}));
		return c.json({ deliveries, next_cursor: page.next_cursor }, 200);
	},
);
