// The rate-limit middlewares routes can add (per user, public reads, socket upgrades), on a small app of their
// own with the real bindings of wrangler.toml and RATE_LIMITS "on".
import { env } from "cloudflare:test";
import { Hono, type MiddlewareHandler } from "hono";
import { describe, expect, it } from "vitest";
import { authenticate, issueToken } from "../../src/api/auth";
import type { AppEnv } from "../../src/api/context";
import { ApiError } from "../../src/api/errors";
import { limitPublicReads, limitSocketUpgrades, rateLimitUser } from "../../src/api/rate-limit";
import { inOneWindow, unique } from "../helpers";

const limited = { ...env, RATE_LIMITS: "on" };

function appWith(middleware: MiddlewareHandler<AppEnv>) {
	const app = new Hono<AppEnv>();
	app.use("*", authenticate);
	app.get("/limited", middleware, (c) => c.json({ ok: true }));
	app.onError((error, c) =>
		error instanceof ApiError ? c.json(error.toJSON(), error.status) : c.json({ error: String(error) }, 500),
	);
	return app;
}

async function patientToken(): Promise<string> {
	return issueToken({ userId: unique("p"), role: "patient", doctorId: null }, env.AUTH_SECRET);
}

function get(app: Hono<AppEnv>, ip: string, token?: string, bindings: Partial<Env> = limited) {
	const headers: Record<string, string> = { "cf-connecting-ip": ip };
	if (token !== undefined) headers.authorization = `Bearer ${token}`;
	return app.request("/limited", { headers }, bindings);
}

/** The statuses of `count` requests from one new address, then of one from another. */
async function burstFromOneAddress(app: Hono<AppEnv>, count: number) {
	return inOneWindow(async () => {
		const ip = unique("198.18");
		const statuses: number[] = [];
		for (let i = 0; i < count; i += 1) statuses.push((await get(app, ip)).status);
		return { statuses, elsewhere: (await get(app, unique("198.19"))).status };
	});
}

describe("rateLimitUser", () => {
	const app = appWith(rateLimitUser("BOOKING_USER_LIMIT"));

	it("refuses a user's 11th request a minute whatever addresses it comes from; others go on", async () => {
		const { statuses, refused, other } = await inOneWindow(async () => {
			const token = await patientToken();
			const responses: Response[] = [];
			for (let i = 0; i < 11; i += 1) responses.push(await get(app, unique("198.18"), token));
			const last = responses[10] as Response;
			return {
				statuses: responses.map((r) => r.status),
				refused: { body: await last.json(), retryAfter: last.headers.get("retry-after") },
				other: (await get(app, unique("198.18"), await patientToken())).status,
			};
		});
		expect(statuses).toEqual([...Array(10).fill(200), 429]);
		expect(refused).toEqual({
			body: { error: { code: "RATE_LIMITED", message: expect.any(String), retry_after_seconds: 60 } },
			retryAfter: "60",
		});
		expect(other).toBe(200);
	});

	it("lets anonymous requests through to the route, which decides whether they need a user", async () => {
		const ip = unique("198.18");
		for (let i = 0; i < 12; i += 1) expect((await get(app, ip)).status).toBe(200);
	});

	it("counts nothing when RATE_LIMITS is off", async () => {
		const token = await patientToken();
		const off = { ...env, RATE_LIMITS: "off" };
		for (let i = 0; i < 12; i += 1) expect((await get(app, unique("198.18"), token, off)).status).toBe(200);
	});
});

describe("limitPublicReads", () => {
	it("allows 600 reads a minute from one address, refuses the 601st, and no other address", async () => {
		const { statuses, elsewhere } = await burstFromOneAddress(appWith(limitPublicReads), 601);
		expect(statuses.slice(0, 600)).toEqual(Array(600).fill(200));
		expect(statuses[600]).toBe(429);
		expect(elsewhere).toBe(200);
	});
});

describe("limitSocketUpgrades", () => {
	it("allows 60 upgrade requests a minute from one address, refuses the 61st, and no other address", async () => {
		const { statuses, elsewhere } = await burstFromOneAddress(appWith(limitSocketUpgrades), 61);
		expect(statuses).toEqual([...Array(60).fill(200), 429]);
		expect(elsewhere).toBe(200);
	});
});
