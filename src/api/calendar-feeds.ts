// Calendar feed tokens and what a feed serves. Only a token's SHA-256 is stored, so D1 never holds a
// usable feed URL; revoking deletes the row, and the next fetch of the URL is a 404.
import { and, desc, eq, gte, isNull } from "drizzle-orm";
import type { Appointment } from "../core/appointment";
import {
	appointmentsCalendar,
	type CalendarEntry,
	type CalendarViewer,
	FEED_MAX_EVENTS,
	feedStartsAt,
} from "../core/calendar-ics";
import { database } from "../db/client";
import { appointments, calendarFeeds, doctors, users } from "../db/schema";
import { nowIso } from "../lib/ids";

/** 32 random bytes, base64url: a URL nobody can guess. */
const TOKEN_BYTES = 32;
export const FEED_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function newFeedToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
	return btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}

async function hashToken(token: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new feed token for the account; its previous feed URL stops working in the same batch. */
export async function replaceFeed(env: Env, userId: string): Promise<string> {
	const token = newFeedToken();
	const db = database(env.DB);
	await db.batch([
		db.delete(calendarFeeds).where(eq(calendarFeeds.userId, userId)),
		db.insert(calendarFeeds).values({ tokenHash: await hashToken(token), userId, createdAt: nowIso() }),
	]);
	return token;
}

/** Whether there was a feed to revoke. */
export async function revokeFeed(env: Env, userId: string): Promise<boolean> {
	const deleted = await database(env.DB)
		.delete(calendarFeeds)
		.where(eq(calendarFeeds.userId, userId))
		.returning({ userId: calendarFeeds.userId });
	return deleted.length > 0;
}

/** The feed's calendar text, or null for an unknown or revoked token (or a deleted account). */
export async function feedCalendar(env: Env, token: string, pageOrigin: string): Promise<string | null> {
	const db = database(env.DB);
	const [owner] = await db
		.select({ id: users.id, role: users.role, doctorId: users.doctorId, name: users.name })
		.from(calendarFeeds)
		.innerJoin(users, eq(users.id, calendarFeeds.userId))
		.where(and(eq(calendarFeeds.tokenHash, await hashToken(token)), isNull(users.deletedAt)));
	if (owner === undefined) return null;
	const viewer: CalendarViewer = owner.role === "doctor" ? "doctor" : "patient";
	const whose =
		viewer === "doctor"
			? eq(appointments.doctorId, owner.doctorId ?? "")
			: eq(appointments.patientId, owner.id);
	const rows = await db
		.select({
			body: appointments.body,
			sequence: appointments.sequence,
			doctorName: doctors.name,
			timezone: doctors.timezone,
		})
		.from(appointments)
		.leftJoin(doctors, eq(doctors.id, appointments.doctorId))
		.where(and(whose, gte(appointments.start, feedStartsAt(Date.now()))))
		// Past the cap, the oldest go: the coming appointments are the ones a calendar must have.
		.orderBy(desc(appointments.start), desc(appointments.id))
		.limit(FEED_MAX_EVENTS);
	const entries: CalendarEntry[] = rows.reverse().map((row) => ({
		appointment: JSON.parse(row.body) as Appointment,
		sequence: row.sequence,
		doctorName: row.doctorName ?? "your doctor",
		timezone: row.timezone,
	}));
	return appointmentsCalendar(entries, {
		name: viewer === "doctor" ? `docslot: ${owner.name}'s appointments` : "docslot: my appointments",
		viewer,
		pageUrl: viewer === "doctor" ? `${pageOrigin}/doctor` : `${pageOrigin}/#appointments`,
	});
}

/** The doctor's name and zone, and the projection's row of the appointment if it has one (one D1 query). */
export async function appointmentContext(env: Env, doctorId: string, appointmentId: string) {
	const [row] = await database(env.DB)
		.select({
			doctorName: doctors.name,
			timezone: doctors.timezone,
			sequence: appointments.sequence,
			status: appointments.status,
		})
		.from(doctors)
		.leftJoin(appointments, eq(appointments.id, appointmentId))
		.where(eq(doctors.id, doctorId));
	return {
		doctorName: row?.doctorName ?? "your doctor",
		timezone: row?.timezone ?? null,
		projected:
			row?.sequence === null || row?.sequence === undefined || row.status === null
				? null
				: { sequence: row.sequence, status: row.status },
	};
}
