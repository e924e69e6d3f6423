// Keeps caches from storing answers meant for one caller: tokens, own appointments, admin-only lists.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

const NO_STORE = "no-store";

/**
 * Every response to a request that carries credentials (an Authorization header, a `?ticket=` or `?token=`, a login or
 * registration) is `no-store`, whatever the route set. Other /api responses are live data, so they are
 * `no-store` too unless their route chose a policy; static files keep their own headers.
 */
export const cacheControl: MiddlewareHandler<AppEnv> = async (c, next) => {
	await next();
	if (carriesCredentials(c)) c.header("Cache-Control", NO_STORE);
	else if (c.req.path.startsWith("/api/") && !c.res.headers.has("cache-control")) {
		c.header("Cache-Control", NO_STORE);
	}
};

function carriesCredentials(c: Context<AppEnv>): boolean {
	return (
		c.req.header("authorization") !== undefined ||
		c.req.query("ticket") !== undefined ||
		c.req.query("token") !== undefined ||
		c.req.path.startsWith("/api/auth/")
	);
}
