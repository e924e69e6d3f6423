// /api/me: the signed-in account; deleting it cancels its future appointments, removes its personal data and
// revokes every token issued to it.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Actor } from "../../core/appointment";
import { database } from "../../db/client";
import { dependents, users, waitlistEntries } from "../../db/schema";
import { doctorDay } from "../../doctor-day/stub";
import { verifyDayId } from "../../lib/appointment-ids";
import { nowIso } from "../../lib/ids";
import { userObject } from "../../user/stub";
import { allow, isAdminToken, requireActor } from "../auth";
import { ApiError } from "../errors";
import { cancelFutureAppointments } from "../future-cancels";
import { logEvent } from "../log";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Appointment, PatchMeBody, User } from "../schemas";
import { revokeInThisIsolate } from "../token-versions";
import { publicUser, pushEmailProfile } from "./accounts";

export const meRoutes = newRouter();

// ADMIN_TOKEN is a shared secret, not an account: it has no email.
const Me = z.object({
	user: User.extend({ email: z.string().nullable(), email_notifications: z.boolean().optional() }),
});
const ADMIN_USER = { id: "admin", email: null, name: "Administrator", role: "admin" as const };
/** Waitlist entries left at once, so an account with many does not open hundreds of calls. */
const LEAVES_AT_ONCE = 16;

/** The account as its owner sees it: with its email setting. */
function ownUser(user: typeof users.$inferSelect) {
	return { ...publicUser(user), email_notifications: user.emailNotifications };
}

async function liveAccount(env: Env, userId: string) {
	const [user] = await database(env.DB)
		.select()
		.from(users)
		.where(and(eq(users.id, userId), isNull(users.deletedAt)));
	if (user === undefined) throw new ApiError("UNAUTHORIZED", "No such account.");
	return user;
}

meRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/me",
		middleware: [allow()] as const,
		tags: ["accounts"],
		summary: "The signed-in account",
		security: bearer,
		responses: { 200: jsonContent(Me, "The account"), ...errorResponses },
	}),
	async (c) => {
		const actor = requireActor(c);
		if (isAdminToken(actor)) return c.json({ user: ADMIN_USER }, 200);
		return c.json({ user: ownUser(await liveAccount(c.env, actor.userId)) }, 200);
	},
);

meRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/api/me",
		middleware: [allow()] as const,
		tags: ["accounts"],
		summary: "Change the account's name, or turn its notification emails off or on (the in-app inbox stays)",
		security: bearer,
		request: { body: jsonBody(PatchMeBody) },
		responses: { 200: jsonContent(Me, "The changed account"), ...errorResponses },
	}),
	async (c) => {
		const actor = requireActor(c);
		if (isAdminToken(actor)) throw new ApiError("FORBIDDEN", "The admin token is not an account.");
		const body = c.req.valid("json");
		const changes = {
			...(body.name === undefined ? {} : { name: body.name }),
			...(body.email_notifications === undefined ? {} : { emailNotifications: body.email_notifications }),
		};
		const db = database(c.env.DB);
		const [user] =
			Object.keys(changes).length === 0
				? [await liveAccount(c.env, actor.userId)]
				: await db
						.update(users)
						.set(changes)
						.where(and(eq(users.id, actor.userId), isNull(users.deletedAt)))
						.returning();
		if (user === undefined) throw new ApiError("UNAUTHORIZED", "No such account.");
		// The User object sends the emails: it holds the address and the opt-out (after D1, so a retry heals).
		await pushEmailProfile(c.env, user);
		return c.json({ user: ownUser(user) }, 200);
	},
);

meRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/me",
		middleware: [allow()] as const,
		tags: ["accounts"],
		summary: "Delete a patient account: future appointments cancelled, personal data removed, tokens revoked",
		description: "Doctor accounts are removed by an admin (403); so is the admin token, which is no account.",
		security: bearer,
		responses: {
			200: jsonContent(z.object({ cancelled_appointments: z.array(Appointment) }), "Deleted"),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c);
		if (actor.role !== "patient") {
			const who = isAdminToken(actor)
				? "The admin token is not an account"
				: "Only patients delete themselves";
			throw new ApiError("FORBIDDEN", `${who}: doctor accounts are removed by an admin.`);
		}
		await liveAccount(c.env, actor.userId);
		// Cancelled while the account still works, so a failure here leaves it whole for a retry. Its waitlist
		// entries go first, so no place its cancellations free is offered back to it.
		await leaveWaitlists(c.env, actor);
		// The account's own appointments and its dependents' (it is the only account that could cancel them).
		const patients = [actor.userId, ...(await dependentsOf(c.env, actor.userId))];
		const cancelled = await cancelFutureAppointments(c.env, actor, patients);
		await revoke(c.env, actor.userId);
		revokeInThisIsolate(actor.userId);
		// Again: a booking that reached the list between the first pass and the revocation is cancelled too.
		await leaveWaitlists(c.env, actor);
		cancelled.push(...(await cancelFutureAppointments(c.env, actor, patients)));
		// Its inbox goes too; the object keeps a tombstone, so the cancellations' own notices never land there.
		await userObject(c.env, actor.userId).deleteInbox();
		logEvent("account_deleted", { user_id: actor.userId, cancelled: cancelled.length });
		return c.json({ cancelled_appointments: cancelled }, 200);
	},
);

/**
 * Turns the account into a tombstone: name, email and password go (the email is free for a new account),
 * and the token version moves past every token issued. (Its idempotency keys, kept by the day objects,
 * name only cancelled appointments now, and expire within a day.)
 */
async function revoke(env: Env, userId: string): Promise<void> {
	const db = database(env.DB);
	await db.batch([
		// Its dependents go with it: removed, their names gone (past appointments keep their ids).
		db
			.update(dependents)
			.set({ name: "", birthDate: null, removedAt: sql`coalesce(${dependents.removedAt}, ${Date.now()})` })
			.where(eq(dependents.ownerId, userId)),
		db
			.update(users)
			.set({
				email: `deleted:${userId}`,
				name: "",
				passwordHash: "",
				tokenVersion: sql`${users.tokenVersion} + 1`,
				tokensRevokedAt: Date.now(),
				deletedAt: nowIso(),
			})
			.where(eq(users.id, userId)),
	]);
}

/** Leaves, through each entry's own day object, the account's waitlist entries still in line (an offer gives its place on). */
async function leaveWaitlists(env: Env, actor: Actor): Promise<void> {
	const rows = await database(env.DB)
		.select({ id: waitlistEntries.id })
		.from(waitlistEntries)
		.where(
			and(
				eq(waitlistEntries.patientId, actor.userId),
				inArray(waitlistEntries.status, ["waiting", "offered"]),
			),
		);
	for (let i = 0; i < rows.length; i += LEAVES_AT_ONCE) {
		await Promise.all(
			rows.slice(i, i + LEAVES_AT_ONCE).map(async ({ id }) => {
				const owner = await verifyDayId(env.AUTH_SECRET, "waitlist", id);
				if (owner !== null) await doctorDay(env, owner.doctorId, owner.date).leaveWaitlist(id, actor);
			}),
		);
	}
}

/** Every dependent the account has had (removed ones too: a retry finishes what an earlier removal began). */
async function dependentsOf(env: Env, ownerId: string): Promise<string[]> {
	const rows = await database(env.DB)
		.select({ id: dependents.id })
		.from(dependents)
		.where(eq(dependents.ownerId, ownerId));
	return rows.map((row) => row.id);
}
