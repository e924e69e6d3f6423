// Rate limits on the endpoints worth abusing, through Workers rate-limiting bindings (numbers in wrangler.toml).
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/** Every rate-limiting binding of wrangler.toml, so a new one is usable here as soon as `wrangler types` ran. */
export type LimiterName = { [K in keyof Env]: Env[K] extends RateLimit ? K : never }[keyof Env];

// The bindings count per minute (wrangler.toml), so a refused client may try again within a minute.
const RETRY_AFTER_SECONDS = 60;

/** The address Cloudflare saw; `wrangler dev` takes it from the request, so locally a client can forge it. */
export function clientIp(c: Context<AppEnv>): string {
	return c.req.header("cf-connecting-ip") ?? "unknown";
}

/** Limits off (local runs, benchmarks): the middlewares pass at once, building no key. */
function limitsOff(c: Context<AppEnv>): boolean {
	return c.env.RATE_LIMITS === "off";
}

/** Counts one request against `key` and throws 429 RATE_LIMITED once `limiter`'s budget for it is spent. */
async function spend(c: Context<AppEnv>, limiter: LimiterName, key: string): Promise<void> {
	if (limitsOff(c)) return;
	const { success } = await c.env[limiter].limit({ key });
	if (!success) throw rateLimited(c);
}

/** Refuses with 429 RATE_LIMITED once the client IP has used up `limiter`'s budget. */
export function rateLimit(limiter: LimiterName): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (limitsOff(c)) return next();
		await spend(c, limiter, clientIp(c));
		await next();
	};
}

/**
 * Refuses with 429 RATE_LIMITED once the signed-in user has used up `limiter`'s budget, from any address.
 * Anonymous requests pass untouched, so the route's own check answers them 401 first.
 */
export function rateLimitUser(limiter: LimiterName): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		if (limitsOff(c)) return next();
		const actor = c.get("actor");
		// The admin token is the operators' (a front desk booking for many patients): per-IP limits only.
		if (actor && actor.role !== "admin") await spend(c, limiter, `user:${actor.userId}`);
		await next();
	};
}

/** For the public availability reads, which reach doctor-day objects. */
export const limitPublicReads = rateLimit("PUBLIC_READ_LIMIT");

/** For the live endpoints: every request counts, upgraded or not. */
export const limitSocketUpgrades = rateLimit("SOCKET_LIMIT");

/**
 * Slows guessing one account's password from one address. Keyed by account and address together, so
 * failures from elsewhere never lock the owner out; the per-address LOGIN_LIMIT caps spraying many accounts.
 */
export async function limitLoginAttempts(c: Context<AppEnv>, email: string): Promise<void> {
	await spend(c, "LOGIN_ACCOUNT_LIMIT", `${clientIp(c)} ${email}`);
}

function rateLimited(c: Context<AppEnv>): ApiError {
	c.header("Retry-After", String(RETRY_AFTER_SECONDS));
	return new ApiError("RATE_LIMITED", undefined, { retry_after_seconds: RETRY_AFTER_SECONDS });
}
