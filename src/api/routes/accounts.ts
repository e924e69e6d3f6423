// POST /api/auth/register and /api/auth/login.
import { createRoute } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Actor } from "../../core/appointment";
import { database } from "../../db/client";
import { users } from "../../db/schema";
import { newId, nowIso } from "../../lib/ids";
import { userObject } from "../../user/stub";
import { issueToken } from "../auth";
import { ApiError } from "../errors";
import { hashPassword, verifyPassword } from "../passwords";
import { limitLoginAttempts, rateLimit } from "../rate-limit";
import { errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { LoginBody, RegisterBody, Session } from "../schemas";

export const accounts = newRouter();

type UserRow = typeof users.$inferSelect;

export function publicUser(user: UserRow) {
	return {
		id: user.id,
		email: user.email,
		name: user.name,
		role: user.role,
		...(user.doctorId === null ? {} : { doctor_id: user.doctorId }),
	};
}

/** Tells the account's User object its address and opt-out: it sends the account's emails. */
export async function pushEmailProfile(env: Env, user: UserRow): Promise<void> {
	await userObject(env, user.id).setEmailProfile({
		email: user.email,
		emailNotifications: user.emailNotifications,
	});
}

export function actorOf(user: UserRow): Actor {
	return { userId: user.id, role: user.role, doctorId: user.doctorId };
}

accounts.openapi(
	createRoute({
		method: "post",
		path: "/api/auth/register",
		middleware: [rateLimit("REGISTER_LIMIT")] as const,
		tags: ["accounts"],
		summary: "Register a patient account",
		request: { body: jsonBody(RegisterBody) },
		responses: { 201: jsonContent(Session, "Registered and signed in"), ...errorResponses },
	}),
	async (c) => {
		const body = c.req.valid("json");
		const user: UserRow = {
			id: newId(),
			email: body.email,
			name: body.name,
			role: "patient",
			passwordHash: await hashPassword(body.password),
			doctorId: null,
			createdAt: nowIso(),
			tokenVersion: 0,
			tokensRevokedAt: null,
			deletedAt: null,
			emailNotifications: true,
		};
		// The unique index decides races between two registrations of one email.
		const inserted = await database(c.env.DB).insert(users).values(user).onConflictDoNothing().returning();
		if (inserted.length === 0) throw new ApiError("EMAIL_TAKEN");
		return c.json({ token: await issueToken(actorOf(user), c.env.AUTH_SECRET), user: publicUser(user) }, 201);
	},
);

accounts.openapi(
	createRoute({
		method: "post",
		path: "/api/auth/login",
		middleware: [rateLimit("LOGIN_LIMIT")] as const,
		tags: ["accounts"],
		summary: "Sign in (patients and doctors)",
		request: { body: jsonBody(LoginBody) },
		responses: { 200: jsonContent(Session, "Signed in"), ...errorResponses },
	}),
	async (c) => {
		const { email, password } = c.req.valid("json");
		await limitLoginAttempts(c, email);
		const [user] = await database(c.env.DB).select().from(users).where(eq(users.email, email));
		// An unknown email costs the same hashing as a wrong password, so timing reveals neither.
		const valid = await verifyPassword(password, user?.passwordHash ?? null);
		if (user === undefined || !valid) throw new ApiError("UNAUTHORIZED", "Wrong email or password.");
		const token = await issueToken(actorOf(user), c.env.AUTH_SECRET, Date.now(), user.tokenVersion);
		return c.json({ token, user: publicUser(user) }, 200);
	},
);
