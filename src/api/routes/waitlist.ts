// /api/waitlist: wait for a full slot or day; a freed place is offered as a hold. Every entry's id names its
// doctor-day, so each call on an entry is one hop to the object that owns it; the patient's list reads D1.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, sql } from "drizzle-orm";
import { inDayWindow } from "../../core/day-window";
import { localDateOf } from "../../core/time";
import { database } from "../../db/client";
import { waitlistEntries } from "../../db/schema";
import { doctorDay } from "../../doctor-day/stub";
import { verifyDayId } from "../../lib/appointment-ids";
import { hop } from "../../lib/hops";
import { allow, requireActor } from "../auth";
import { doctorRoute } from "../doctor-route";
import { ApiError, type ErrorCode } from "../errors";
import { afterKey, decodeCursor, pageOf } from "../pagination";
import { rateLimit } from "../rate-limit";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Appointment, HoldIdParam, WaitlistBody, WaitlistEntry, WaitlistListQuery } from "../schemas";

export const waitlistRoutes = newRouter();
const EntryResponse = z.object({ entry: WaitlistEntry });
const NO_ENTRY = "No such waitlist entry.";

/** The doctor-day an entry id names; a made-up id never reaches (and so never creates) an object. */
async function entryDay(env: Env, id: string) {
	const owner = await verifyDayId(env.AUTH_SECRET, "waitlist", id);
	if (owner === null) throw new ApiError("NOT_FOUND", NO_ENTRY);
	return owner;
}

function refused(code: ErrorCode): ApiError {
	return new ApiError(code, code === "NOT_FOUND" ? NO_ENTRY : undefined);
}

waitlistRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/waitlist",
		middleware: [allow("patient"), rateLimit("BOOKING_LIMIT")] as const,
		tags: ["waitlist"],
		summary:
			"Wait for a place in a full slot (start) or any slot of a full day; SLOT_AVAILABLE if one is free",
		security: bearer,
		request: { body: jsonBody(WaitlistBody) },
		responses: { 201: jsonContent(EntryResponse, "On the waitlist"), ...errorResponses },
	}),
	async (c) => {
		const body = c.req.valid("json");
		const actor = requireActor(c);
		const route = await doctorRoute(c.env, body.doctor_id);
		if (!route.isApproved || !route.isAvailable) throw new ApiError("DOCTOR_UNAVAILABLE");
		// Dates outside the doctor's window never get an object.
		if (!inDayWindow(route, body.date, Date.now())) throw new ApiError("DAY_UNAVAILABLE");
		const start = body.start ?? null;
		if (start !== null && route.timezone !== null && localDateOf(start, route.timezone) !== body.date)
			throw new ApiError("SLOT_NOT_FOUND", "No slot of that date starts at this time.");
		hop(c.env, "worker→object", "before", "waitlist.join");
		const result = await doctorDay(c.env, body.doctor_id, body.date).joinWaitlist(
			{ doctorId: body.doctor_id, date: body.date },
			{ patientId: actor.userId, start },
		);
		if (!result.ok) throw new ApiError(result.code);
		return c.json({ entry: result.entry }, 201);
	},
);

waitlistRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/waitlist",
		middleware: [allow()] as const,
		tags: ["waitlist"],
		summary: "The caller's own waitlist entries, by date, a page at a time",
		security: bearer,
		request: { query: WaitlistListQuery },
		responses: {
			200: jsonContent(
				z.object({ entries: z.array(WaitlistEntry), next_cursor: z.string().nullable() }),
				"Entries",
			),
			...errorResponses,
		},
	}),
	async (c) => {
		const { limit, cursor } = c.req.valid("query");
		const after = decodeCursor(cursor, "string");
		const actor = requireActor(c);
		const w = waitlistEntries;
		// Place in line: the waiting entries of the same day that joined earlier and want a place this one could take.
		// Written out with the outer table's name: drizzle leaves a lone table's columns unqualified, which inside
		// the subquery would name the subquery's own rows.
		const position = sql<number | null>`CASE WHEN waitlist_entries.status = 'waiting' THEN 1 + (
			SELECT count(*) FROM waitlist_entries o
			WHERE o.doctor_id = waitlist_entries.doctor_id AND o.date = waitlist_entries.date
			AND o.status = 'waiting' AND o.joined_seq < waitlist_entries.joined_seq
			AND (o.start IS NULL OR waitlist_entries.start IS NULL OR o.start = waitlist_entries.start)) END`;
		const rows = await database(c.env.DB)
			.select({ id: w.id, date: w.date, body: w.body, position })
			.from(w)
			.where(and(eq(w.patientId, actor.userId), afterKey(w.date, w.id, after)))
			.orderBy(asc(w.date), asc(w.id))
			.limit(limit + 1);
		const page = pageOf(rows, limit, (row) => [row.date, row.id]);
		const entries = page.items.map((row) => ({ ...JSON.parse(row.body), position: row.position }));
		return c.json({ entries, next_cursor: page.next_cursor }, 200);
	},
);

waitlistRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/waitlist/{id}",
		middleware: [allow()] as const,
		tags: ["waitlist"],
		summary: "One entry as its doctor-day holds it now (its place in line, or its offer)",
		security: bearer,
		request: { params: HoldIdParam },
		responses: { 200: jsonContent(EntryResponse, "The entry"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const owner = await entryDay(c.env, id);
		hop(c.env, "worker→object", "before", "waitlist.get");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).waitlistEntry(id, requireActor(c));
		if (!result.ok) throw refused(result.code);
		return c.json({ entry: result.entry }, 200);
	},
);

waitlistRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/waitlist/{id}",
		middleware: [allow()] as const,
		tags: ["waitlist"],
		summary: "Leave the waitlist (an offer held passes to the next in line); harmless twice",
		security: bearer,
		request: { params: HoldIdParam },
		responses: { 200: jsonContent(EntryResponse, "Left (or already ended)"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const owner = await entryDay(c.env, id);
		hop(c.env, "worker→object", "before", "waitlist.leave");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).leaveWaitlist(id, requireActor(c));
		if (!result.ok) throw refused(result.code);
		return c.json({ entry: result.entry }, 200);
	},
);

waitlistRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/waitlist/{id}/accept",
		middleware: [allow()] as const,
		tags: ["waitlist"],
		summary: "Accept the offer: its held place becomes the appointment (OFFER_EXPIRED once it ended)",
		security: bearer,
		request: { params: HoldIdParam },
		responses: {
			201: jsonContent(z.object({ appointment: Appointment, entry: WaitlistEntry }), "Booked"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const owner = await entryDay(c.env, id);
		hop(c.env, "worker→object", "before", "waitlist.accept");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).acceptOffer(owner, id, requireActor(c));
		if (!result.ok) throw refused(result.code);
		return c.json({ appointment: result.appointment, entry: result.entry }, 201);
	},
);

waitlistRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/waitlist/{id}/decline",
		middleware: [allow()] as const,
		tags: ["waitlist"],
		summary: "Decline the offer: its place passes to the next in line; harmless twice",
		security: bearer,
		request: { params: HoldIdParam },
		responses: { 200: jsonContent(EntryResponse, "Declined"), ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const owner = await entryDay(c.env, id);
		hop(c.env, "worker→object", "before", "waitlist.decline");
		const result = await doctorDay(c.env, owner.doctorId, owner.date).declineOffer(id, requireActor(c));
		if (!result.ok) throw refused(result.code);
		return c.json({ entry: result.entry }, 200);
	},
);
