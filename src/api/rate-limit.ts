// Per-client-IP rate limits on the endpoints worth abusing, through Workers rate-limiting bindings.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

type LimiterName = "BOOKING_LIMIT" | "LOGIN_LIMIT" | "REGISTER_LIMIT";

// The bindings count per minute (wrangler.toml), so a refused client may try again within a minute.
const RETRY_AFTER_SECONDS = 60;

export function clientIp(c: Context<AppEnv>): string {
	return c.req.header("cf-connecting-ip") ?? "unknown";
}

async function allowed(c: Context<AppEnv>, limiter: LimiterName, key: string): Promise<boolean> {
	if (c.env.RATE_LIMITS === "off") return true;
	const { success } = await c.env[limiter].limit({ key });
	return success;
}

/** Refuses with 429 RATE_LIMITED once the client IP has used up `limiter`'s budget. */
export function rateLimit(limiter: LimiterName): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (!(await allowed(c, limiter, clientIp(c)))) throw rateLimited(c);
		await next();
	};
}

/** Slows password guessing against one account from many addresses, on top of the per-IP limit. */
export async function limitLoginAttempts(c: Context<AppEnv>, email: string): Promise<void> {
	if (!(await allowed(c, "LOGIN_LIMIT", `account:${email}`))) throw rateLimited(c);
}

function rateLimited(c: Context<AppEnv>): ApiError {
	c.header("Retry-After", String(RETRY_AFTER_SECONDS));
	return new ApiError("RATE_LIMITED", undefined, { retry_after_seconds: RETRY_AFTER_SECONDS });
}
