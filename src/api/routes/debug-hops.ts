// GET /api/_debug/hops: the remote-call log of src/lib/hops.ts, for the bench's hops table.
import type { Context } from "hono";
import { takeHops } from "../../lib/hops";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";

/** GET /api/_debug/hops: the log, then reset. Admins only, and a 404 unless tracing is on. */
export function hopsRoute(c: Context<AppEnv>): Response {
	if (c.env.HOP_TRACE !== "on") throw new ApiError("NOT_FOUND", `No route for GET ${c.req.path}.`);
	if (c.get("actor")?.role !== "admin") throw new ApiError(c.get("actor") ? "FORBIDDEN" : "UNAUTHORIZED");
	return c.json(takeHops(), 200);
}
