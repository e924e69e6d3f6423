// Calendars: a secret, revocable iCalendar feed per account (/api/me/calendar-feed, /calendar/<token>.ics)
// and one appointment as an .ics file.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { canAccessAppointment } from "../../core/appointment";
import { appointmentsCalendar, currentSequence } from "../../core/calendar-ics";
import { allow, isAdminToken, requireActor } from "../auth";
import {
	appointmentContext,
	FEED_TOKEN_PATTERN,
	feedCalendar,
	replaceFeed,
	revokeFeed,
} from "../calendar-feeds";
import type { AppEnv } from "../context";
import { findAppointment } from "../day-calls";
import { ApiError } from "../errors";
import { bearer, errorResponses, jsonContent, newRouter } from "../router";
import { AppointmentIdParam } from "../schemas";

export const calendarRoutes = newRouter();

const ICS_TYPE = "text/calendar; charset=utf-8";
const Feed = z.object({ url: z.string(), webcal_url: z.string() });

calendarRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/me/calendar-feed",
		middleware: [allow("patient", "doctor")] as const,
		tags: ["calendars"],
		summary: "A new secret iCalendar feed URL of your appointments; the previous URL stops working",
		description:
			"A patient's feed has their own appointments, a doctor's their schedule's, from 90 days ago onward. " +
			"The admin token is no account and has no feed (403).",
		security: bearer,
		responses: {
			201: jsonContent(Feed, "The feed's URL (shown once: only its hash is kept)"),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c);
		const token = await replaceFeed(c.env, actor.userId);
		const url = new URL(`/calendar/${token}.ics`, c.req.url);
		return c.json({ url: url.href, webcal_url: url.href.replace(/^https?:/, "webcal:") }, 201);
	},
);

calendarRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/me/calendar-feed",
		middleware: [allow()] as const,
		tags: ["calendars"],
		summary: "Revoke your calendar feed URL at once; repeating it is harmless",
		security: bearer,
		responses: {
			200: jsonContent(z.object({ revoked: z.boolean() }), "Whether a feed was revoked"),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c);
		if (isAdminToken(actor)) return c.json({ revoked: false }, 200);
		return c.json({ revoked: await revokeFeed(c.env, actor.userId) }, 200);
	},
);

calendarRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/appointments/{id}/ics",
		middleware: [allow()] as const,
		tags: ["calendars", "appointments"],
		summary: "One appointment as an iCalendar file (its patient, its doctor, or an admin)",
		security: bearer,
		request: { params: AppointmentIdParam },
		responses: {
			200: { content: { "text/calendar": { schema: z.string() } }, description: "The event" },
			...errorResponses,
		},
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const actor = requireActor(c);
		// The day object is current (even the instant after booking); D1 has the doctor and the change count.
		const appointment = await findAppointment(c.env, id);
		if (!canAccessAppointment(actor, appointment)) throw new ApiError("FORBIDDEN");
		const context = await appointmentContext(c.env, appointment.doctor_id, id);
		const text = appointmentsCalendar(
			[{ appointment, ...context, sequence: currentSequence(appointment, context.projected) }],
			{
				name: "docslot appointment",
				viewer: actor.role === "doctor" ? "doctor" : "patient",
				pageUrl: new URL(actor.role === "doctor" ? "/doctor" : "/#appointments", c.req.url).href,
			},
		);
		return c.body(text, 200, {
			"content-type": ICS_TYPE,
			"content-disposition": `attachment; filename="appointment-${appointment.date}.ics"`,
		});
	},
);

/** GET /calendar/<token>.ics: public (calendar apps send no header), the token is the credential. */
export async function serveCalendarFeed(c: Context<AppEnv>) {
	const file = c.req.param("file") ?? "";
	const token = file.endsWith(".ics") ? file.slice(0, -4) : "";
	const text = FEED_TOKEN_PATTERN.test(token)
		? await feedCalendar(c.env, token, new URL(c.req.url).origin)
		: null;
	// The URL is the secret: no cache may keep a copy past a revocation.
	c.header("Cache-Control", "no-store");
	if (text === null)
		throw new ApiError("NOT_FOUND", "No such calendar feed: it may have been revoked or replaced.");
	return c.body(text, 200, {
		"content-type": ICS_TYPE,
		"content-disposition": 'inline; filename="docslot.ics"',
	});
}
