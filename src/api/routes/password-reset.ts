// POST /api/auth/password-reset and /confirm: the way back into an account. The request answers 202 whether
// or not the email has an account; the link is emailed by the account's User object (its outbox).
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull, sql } from "drizzle-orm";
import { passwordResetEmail } from "../../core/email";
import { database } from "../../db/client";
import { users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { userObject } from "../../user/stub";
import { issueToken } from "../auth";
import { ApiError } from "../errors";
import { logEvent } from "../log";
import { hashPassword } from "../passwords";
import { limitLoginAttempts, rateLimit } from "../rate-limit";
import { isResetTokenValid, RESET_VALID_MINUTES, resetToken, resetTokenAccount } from "../reset-tokens";
import { errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { PasswordResetBody, PasswordResetConfirmBody, Session } from "../schemas";
import { raiseTokenVersionInThisIsolate } from "../token-versions";
import { actorOf, publicUser } from "./accounts";

export const passwordResetRoutes = newRouter();

/** The page the emailed link opens (public/reset-password.html). */
const RESET_PAGE = "/reset-password";
const INVALID = "This reset link is invalid, already used or expired: ask for a new one.";

passwordResetRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/auth/password-reset",
		middleware: [rateLimit("LOGIN_LIMIT")] as const,
		tags: ["accounts"],
		summary: "Email a single-use password reset link (valid 30 minutes) if the email has an account",
		request: { body: jsonBody(PasswordResetBody) },
		responses: {
			202: jsonContent(z.object({ message: z.string() }), "Accepted, account or not"),
			...errorResponses,
		},
	}),
	async (c) => {
		const { email } = c.req.valid("json");
		await limitLoginAttempts(c, email);
		const [user] = await database(c.env.DB)
			.select()
			.from(users)
			.where(and(eq(users.email, email), isNull(users.deletedAt)));
		if (user !== undefined) {
			const token = await resetToken(c.env.AUTH_SECRET, user.id, user.passwordHash, Date.now());
			const link = `${new URL(c.req.url).origin}${RESET_PAGE}?token=${encodeURIComponent(token)}`;
			const content = passwordResetEmail(link, RESET_VALID_MINUTES);
			// After the answer, so its timing says nothing about whether the account exists.
			c.executionCtx.waitUntil(userObject(c.env, user.id).sendEmail(`reset:${newId()}`, user.email, content));
			logEvent("password_reset_requested", { user_id: user.id });
		}
		return c.json({ message: "If an account has this email, a reset link is on its way." }, 202);
	},
);

passwordResetRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/auth/password-reset/confirm",
		middleware: [rateLimit("LOGIN_LIMIT")] as const,
		tags: ["accounts"],
		summary: "Set a new password with the emailed token: the token and every earlier session stop working",
		request: { body: jsonBody(PasswordResetConfirmBody) },
		responses: { 200: jsonContent(Session, "Password set, signed in"), ...errorResponses },
	}),
	async (c) => {
		const { token, password } = c.req.valid("json");
		const userId = resetTokenAccount(token);
		if (userId === null) throw new ApiError("UNAUTHORIZED", INVALID);
		const db = database(c.env.DB);
		const [user] = await db
			.select()
			.from(users)
			.where(and(eq(users.id, userId), isNull(users.deletedAt)));
		if (user === undefined || !(await isResetTokenValid(c.env.AUTH_SECRET, token, user, Date.now()))) {
			throw new ApiError("UNAUTHORIZED", INVALID);
		}
		// Only if the hash is still the one the token signed: of two uses at once, one wins.
		const [changed] = await db
			.update(users)
			.set({
				passwordHash: await hashPassword(password),
				tokenVersion: sql`${users.tokenVersion} + 1`,
				tokensRevokedAt: Date.now(),
			})
			.where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash), isNull(users.deletedAt)))
			.returning();
		if (changed === undefined) throw new ApiError("UNAUTHORIZED", INVALID);
		raiseTokenVersionInThisIsolate(changed.id, changed.tokenVersion);
		logEvent("password_reset", { user_id: changed.id });
		const session = await issueToken(actorOf(changed), c.env.AUTH_SECRET, Date.now(), changed.tokenVersion);
		return c.json({ token: session, user: publicUser(changed) }, 200);
	},
);
