// /api/me/dependents: family members a patient books for (D1). A dependent's id is a patient id whose MAC
// names its owner (src/lib/appointment-ids.ts), so booking them checks ownership without D1.
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { database } from "../../db/client";
import { dependents } from "../../db/schema";
import { mintDependentId } from "../../lib/appointment-ids";
import { nowIso } from "../../lib/ids";
import { allow, requireActor } from "../auth";
import { ApiError } from "../errors";
import { bearer, errorResponses, jsonBody, jsonContent, newRouter } from "../router";
import { Dependent, DependentBody } from "../schemas";

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
		const existing = await db.$count(dependents, eq(dependents.ownerId, actor.userId));
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
			.where(eq(dependents.ownerId, actor.userId))
			.orderBy(asc(dependents.createdAt), asc(dependents.id));
		return c.json({ dependents: rows }, 200);
	},
);
