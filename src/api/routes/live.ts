// The live endpoints: WebSocket upgrades handed to the doctor-day object, to the doctor's own feed, or to the
// signed-in user's own channel (notifications).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { inDayWindow } from "../../core/day-window";
import { doctorObject } from "../../doctor/stub";
import { doctorDay } from "../../doctor-day/stub";
import { CLIENT_HEADER } from "../../doctor-day/watchers";
import { hop } from "../../lib/hops";
import { ticketSocketRequest } from "../../lib/ticket-sockets";
import { userObject } from "../../user/stub";
import type { AppEnv } from "../context";
import { visibleDoctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { type Channel, readTicket } from "../live-tickets";
import { clientIp, limitSocketUpgrades } from "../rate-limit";
import { errorResponses, newRouter } from "../router";
import { DateString, DoctorIdParam } from "../schemas";
import { requireCurrentToken } from "../token-versions";

export const liveRoutes = newRouter();

export function requireUpgrade(c: Context<AppEnv>): void {
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("UPGRADE_REQUIRED");
}

/** The ?ticket= of an authenticated socket; a missing one (or a ?token=) is a 401 that says what to do. */
export function requireTicket(c: Context<AppEnv>, what: string): string {
	const ticket = c.req.query("ticket");
	if (ticket !== undefined) return ticket;
	const how = "with ?ticket= from POST /api/live-tickets (a token in a URL would end up in logs)";
	const said =
		c.req.query("token") === undefined
			? `Open ${what} ${how}.`
			: `?token= is no longer accepted: open ${what} ${how}.`;
	throw new ApiError("UNAUTHORIZED", said);
}

export const switching = { 101: { description: "Switching to a WebSocket" } };
const TicketQuery = z.object({ ticket: z.string().max(4096).optional() });

liveRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability/date/{date}/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["live"],
		summary: "Live availability of one doctor-day: a snapshot, then an update after every change",
		request: { params: DoctorIdParam.extend({ date: DateString }) },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		const { doctor_id, date } = c.req.valid("param");
		const route = await visibleDoctorRoute(c.env, doctor_id, c.get("actor"));
		requireUpgrade(c);
		// No object for a date no slot can fall on: watching it would only cost storage.
		if (!inDayWindow(route, date, Date.now())) throw new ApiError("DAY_UNAVAILABLE");
		const url = new URL(c.req.url);
		url.search = new URLSearchParams({ doctor_id, date }).toString();
		const headers = new Headers(c.req.raw.headers);
		headers.set(CLIENT_HEADER, clientIp(c));
		hop(c.env, "worker→object", "before", "live.day");
		return doctorDay(c.env, doctor_id, date).fetch(new Request(url, { headers }));
	},
);

liveRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["live"],
		summary: "The doctor's own channel: bookings, cancellations and schedule edits of every day",
		description:
			"Opened with ?ticket= from POST /api/live-tickets (single use, 60 s); ?token= is refused. The socket " +
			"is closed with code 4001 when the token the ticket came from expires.",
		request: { params: DoctorIdParam, query: TicketQuery },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const { request } = await ticketedUpgrade(c, "doctor", doctor_id, "feed");
		hop(c.env, "worker→object", "before", "live.doctor");
		return doctorObject(c.env, doctor_id).fetch(request);
	},
);

liveRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/me/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["live", "notifications"],
		summary: "The signed-in user's own channel: the unread count, then each notification as it arrives",
		description:
			'Opened with ?ticket= from POST /api/live-tickets {"channel": "me"} (single use, 60 s). Messages: ' +
			'{"type": "unread", "count"} first and whenever the count changes, {"type": "notification", "notification"} ' +
			"as each arrives. Closed with code 4001 when the token the ticket came from expires.",
		request: { query: TicketQuery },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		// The ticket names its user: the channel is whoever's ticket it is, and only theirs.
		const { request, userId } = await ticketedUpgrade(c, "me", null, "channel");
		hop(c.env, "worker→object", "before", "live.me");
		return userObject(c.env, userId).fetch(request);
	},
);

/**
 * The request handed to the object that accepts a ticketed socket, once the ticket is checked: signed, for
 * this channel and target, unexpired, and its account's tokens not revoked since. Single use is the object's.
 */
async function ticketedUpgrade(c: Context<AppEnv>, channel: Channel, target: string | null, what: string) {
	const ticket = requireTicket(c, `the ${what}`);
	const pass = await readTicket(c.env.AUTH_SECRET, ticket, channel, target);
	// The account may have been deleted since the ticket was issued.
	await requireCurrentToken(c.env, pass.user_id, pass.token_version);
	requireUpgrade(c);
	const request = ticketSocketRequest(c.req.url, c.req.raw, {
		target: pass.target,
		userId: pass.user_id,
		ticketId: pass.id,
		ticketExpiresAt: pass.expires_at,
		tokenExpiresAt: pass.token_expires_at,
	});
	return { request, userId: pass.user_id };
}
