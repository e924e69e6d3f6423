// /api/me/dependents: family members a patient books for (D1). A dependent's id is a patient id whose MAC
// names its owner (src/lib/appointment-ids.ts), so booking them checks ownership without D1; a removed one is
// known to every isolate from the revocations read (src/api/token-versions.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { database } from "../../db/client";
import { dependents } from "../../db/schema";
import { mintDependentId, ownsDependent } from "../../lib/appointment-ids";
import { nowIso } from "../../lib/ids";
import { allow, requireActor } from "../auth";
import { ApiError } from "../errors";
import { cancelFutureAppointments } from "../future-cancels";
import { logEvent } from "../log";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Dependent, DependentBody, DependentIdParam } from "../schemas";
import { removeDependentInThisIsolate } from "../token-versions";

export const dependentRoutes = newRouter();

/** An account may keep this many dependents (a family, not a clinic's list). */
const MAX_DEPENDENTS = 20;

dependentRoutes.openapi(
	createRoute({
		method: "post",
		path: "/api/me/dependents",
		middleware: [allow("patient")] as const,
		tags: ["accounts"],
		summary: "Add a dependent the account may book for (with itself, in one slot)",
		security: bearer,
		request: { body: jsonBody(DependentBody) },
		responses: { 201: jsonContent(z.object({ dependent: Dependent }), "Added"), ...errorResponses },
	}),
	async (c) => {
		const body = c.req.valid("json");
		const actor = requireActor(c);
		const db = database(c.env.DB);
		const existing = await db.$count(
			dependents,
			and(eq(dependents.ownerId, actor.userId), isNull(dependents.removedAt)),
		);
		if (existing >= MAX_DEPENDENTS)
			throw new ApiError("VALIDATION_ERROR", `An account may have at most ${MAX_DEPENDENTS} dependents.`, {
				issues: [{ path: "name", message: `At most ${MAX_DEPENDENTS} dependents.` }],
			});
		const dependent = {
			id: await mintDependentId(c.env.AUTH_SECRET, actor.userId),
			name: body.name,
			birth_date: body.birth_date ?? null,
		};
		await db.insert(dependents).values({
			id: dependent.id,
			ownerId: actor.userId,
			name: dependent.name,
			birthDate: dependent.birth_date,
			createdAt: nowIso(),
		});
		return c.json({ dependent }, 201);
	},
);

dependentRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/me/dependents",
		middleware: [allow("patient")] as const,
		tags: ["accounts"],
		summary: "The account's dependents, oldest first",
		security: bearer,
		responses: {
			200: jsonContent(z.object({ dependents: z.array(Dependent) }), "Dependents"),
			...errorResponses,
		},
	}),
	async (c) => {
		const actor = requireActor(c);
		const rows = await database(c.env.DB)
			.select({ id: dependents.id, name: dependents.name, birth_date: dependents.birthDate })
			.from(dependents)
			.where(and(eq(dependents.ownerId, actor.userId), isNull(dependents.removedAt)))
			.orderBy(asc(dependents.createdAt), asc(dependents.id));
		return c.json({ dependents: rows }, 200);
	},
);

dependentRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/api/me/dependents/{id}",
		middleware: [allow("patient")] as const,
		tags: ["accounts"],
		summary: "Remove a dependent: its future appointments are cancelled, and it can no longer be booked",
		description:
			"Repeating it is harmless (204 again). Another account's dependent, or a made-up id, is 404.",
		security: bearer,
		request: { params: DependentIdParam },
		responses: { 204: { description: "Removed" }, ...errorResponses },
	}),
	async (c) => {
		const { id } = c.req.valid("param");
		const actor = requireActor(c);
		// Another's (or a made-up) id is refused from its MAC, before any read.
		if (!(await ownsDependent(c.env.AUTH_SECRET, actor.userId, id)))
			throw new ApiError("NOT_FOUND", "No such dependent.");
		// Marked first (kept, with its name and birth date gone), so no isolate books it once it has read this.
		const [removed] = await database(c.env.DB)
			.update(dependents)
			.set({ name: "", birthDate: null, removedAt: sql`coalesce(${dependents.removedAt}, ${Date.now()})` })
			.where(and(eq(dependents.id, id), eq(dependents.ownerId, actor.userId)))
			.returning({ id: dependents.id });
		if (removed === undefined) throw new ApiError("NOT_FOUND", "No such dependent.");
		removeDependentInThisIsolate(id);
		// Then its coming appointments, as the account holder, through their day objects (a retry repeats this).
		const cancelled = await cancelFutureAppointments(c.env, actor, [id]);
		logEvent("dependent_removed", { user_id: actor.userId, dependent_id: id, cancelled: cancelled.length });
		return c.body(null, 204);
	},
);
