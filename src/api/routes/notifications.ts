// /api/notifications: the signed-in account's inbox, kept by its User object (one call per request).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { NOTIFICATION_TYPES } from "../../core/notifications";
import { hop } from "../../lib/hops";
import { userObject } from "../../user/stub";
import { allow, isAdminToken, requireActor } from "../auth";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { decodeCursor, encodeCursor, PageQuery } from "../pagination";
import { bearer, errorResponses, jsonContent, newRouter } from "../router";

export const notificationRoutes = newRouter();

const Notification = z
	.object({
		id: z.string(),
		type: z.enum(NOTIFICATION_TYPES),
		appointment_id: z.string().nullable(),
		title: z.string(),
		body: z.string(),
		created_at: z.string().openapi({ format: "date-time" }),
		read_at: z.string().nullable().openapi({ format: "date-time" }),
	})
	.openapi("Notification");

const NotificationsQuery = z.strictObject(PageQuery);

const NotificationIdParam = z.object({ id: z.string().min(1).max(64) });

/** The caller's own inbox; the admin token is no account and has none. */
function inbox(c: Context<AppEnv>) {
	const actor = requireActor(c);
	if (isAdminToken(actor))
		throw new ApiError("FORBIDDEN", "The admin token is not an account: it has no notifications.");
	hop(c.env, "worker→object", "before", "notifications");
	return userObject(c.env, actor.userId);
}

notificationRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/notifications",
		middleware: [allow()] as const,
		tags: ["notifications"],
		summary: "The signed-in account's notifications, newest first, with the unread count",
		security: bearer,
		request: { query: NotificationsQuery },
		responses: {
			200: jsonContent(
				z.object({
					notifications: z.array(Notification),
					unread: z.number().int(),
					next_cursor: z.string().nullable(),
				}),
				"One page of notifications",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { limit, cursor } = c.req.valid("query");
		// The key is the inbox's position (arrival order) and the id, in the lists' one cursor format.
		const after = decodeCursor(cursor, "number");
		const page = await inbox(c).list(limit, after === null ? null : Number(after[0]));
		const last = page.notifications.at(-1);
		const next_cursor =
			page.nextAfter === null || last === undefined ? null : encodeCursor([page.nextAfter, last.id]);
		return c.json({ notifications: page.notifications, unread: page.unread, next_cursor }, 200);
	},
);

notificationRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/notifications/read-all",
		middleware: [allow()] as const,
		tags: ["notifications"],
		summary: "Marks every notification of the signed-in account read",
		security: bearer,
		responses: {
			200: jsonContent(z.object({ marked: z.number().int(), unread: z.number().int() }), "Marked"),
			...errorResponses,
		},
	}),
	async (c) => c.json(await inbox(c).markAllRead(), 200),
);

notificationRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/notifications/{id}/read",
		middleware: [allow()] as const,
		tags: ["notifications"],
		summary: "Marks one notification read (repeating it keeps the first read_at)",
		description: "Only the account's own: any other id is 404 NOT_FOUND.",
		security: bearer,
		request: { params: NotificationIdParam },
		responses: {
			200: jsonContent(z.object({ notification: Notification, unread: z.number().int() }), "Marked"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const result = await inbox(c).markRead(id);
		if (!result.ok) throw new ApiError("NOT_FOUND", "No such notification.");
		return c.json({ notification: result.notification, unread: result.unread }, 200);
	},
);
