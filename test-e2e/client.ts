// Small HTTP helpers for e2e tests against a running server (Node's fetch; no Workers APIs).
import { sign } from "hono/jwt";
import { allWeek, type Call, readCall, unique } from "../test/fixtures";

export type { Call } from "../test/fixtures";
export { allWeek, at, inDays, unique } from "../test/fixtures";
export interface Ctx {
	baseUrl: string;
	adminToken: string;
}

export interface CallOptions {
	body?: unknown;
	token?: string;
	headers?: Record<string, string>;
}

/** One request; JSON bodies are sent and parsed (a body that is not JSON is returned as text). */
export async function api(
	baseUrl: string,
	method: string,
	path: string,
	options: CallOptions = {},
): Promise<Call> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
	let body: string | undefined;
	if (options.body !== undefined) {
		headers["content-type"] ??= "application/json";
		body = JSON.stringify(options.body);
	}
	const response = await fetch(`${baseUrl}${path}`, {
		method,
		headers,
		body,
		signal: AbortSignal.timeout(30_000),
	});
	return readCall(response);
}

/** The `ws://` URL of `path` on the server, e.g. for `new WebSocket(wsUrl(baseUrl, ".../live"))` from `ws`. */
export function wsUrl(baseUrl: string, path: string): string {
	return `${baseUrl.replace(/^http/, "ws")}${path}`;
}

/**
 * Whether wrangler dev's proxy answered instead of the Worker: a 503 "Your worker restarted mid-request",
 * which it also sends under load. The request may or may not have reached the Worker.
 */
export function isProxyRestart(call: Call): boolean {
	return call.status === 503 && String(call.body).includes("restarted mid-request");
}

function expectStatus(what: string, call: Call, status: number): void {
	if (call.status !== status) {
		throw new Error(`${what}: expected ${status}, got ${call.status} ${JSON.stringify(call.body)}`);
	}
}

export interface Doctor {
	id: string;
	email: string;
	password: string;
	token: string;
}

/**
 * A new approved, available doctor (as admin) with a schedule and a login. The schedule defaults to UTC,
 * 09:00–17:00 on every day of the week (so tests do not depend on today's weekday), 30-minute slots,
 * capacity 1; `schedule` fields override (e.g. `{capacity: 3}` or `{weekly: ...}`).
 */
export async function createDoctor(
	ctx: Ctx,
	schedule: Record<string, unknown> = {},
	fields: Record<string, unknown> = {},
): Promise<Doctor> {
	const email = `${unique("dr")}@docslot.test`;
	const password = "doctor-pass-123";
	const created = await api(ctx.baseUrl, "POST", "/api/doctors", {
		token: ctx.adminToken,
		body: { name: "Dr. E2E", email, password, specialty: "Testing", ...fields },
	});
	expectStatus("POST /api/doctors", created, 201);
	const id = created.body.doctor.id as string;
	const put = await api(ctx.baseUrl, "PUT", `/api/doctors/${id}/schedule`, {
		token: ctx.adminToken,
		body: { timezone: "UTC", weekly: allWeek([{ start: "09:00", end: "17:00" }]), ...schedule },
	});
	expectStatus("PUT schedule", put, 200);
	const login = await api(ctx.baseUrl, "POST", "/api/auth/login", { body: { email, password } });
	expectStatus("doctor login", login, 200);
	return { id, email, password, token: login.body.token as string };
}

export interface Patient {
	id: string;
	email: string;
	password: string;
	token: string;
}

/** Runs `task(i)` for i in [0, n) with at most `limit` running at once; results in index order. */
export async function mapLimit<T>(n: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
	const results = new Array<T>(n);
	let next = 0;
	const worker = async () => {
		while (next < n) {
			const i = next++;
			results[i] = await task(i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
	return results;
}

/**
 * Registers `n` patients over HTTP. Each registration hashes a password (PBKDF2, 100k iterations) in the
 * Worker, so they run `concurrency` at a time rather than all at once.
 */
export async function registerPatients(ctx: Ctx, n: number, concurrency = 8): Promise<Patient[]> {
	return mapLimit(n, concurrency, async () => {
		const email = `${unique("patient")}@docslot.test`;
		const password = "patient-pass-123";
		const account = await registerOnce(ctx, email, password);
		return { id: account.user.id as string, email, password, token: account.token as string };
	});
}

/**
 * One account, even if the proxy's 503 hides the answer: the registration is sent again, and if that finds
 * the email taken, the first one landed and the account is signed in instead.
 */
async function registerOnce(ctx: Ctx, email: string, password: string) {
	for (let tries = 1; ; tries++) {
		const call = await api(ctx.baseUrl, "POST", "/api/auth/register", {
			body: { email, password, name: "E2E Patient" },
		});
		if (isProxyRestart(call) && tries < 5) continue;
		if (tries > 1 && call.status === 409 && call.body?.error?.code === "EMAIL_TAKEN") {
			const login = await api(ctx.baseUrl, "POST", "/api/auth/login", { body: { email, password } });
			expectStatus("patient login after a lost registration answer", login, 200);
			return login.body;
		}
		expectStatus("POST /api/auth/register", call, 201);
		return call.body;
	}
}

/** A patient's token signed with the server's secret: no account row, as storms and crash tests need. */
export async function patientToken(secret: string, patientId: string): Promise<string> {
	const iat = Math.floor(Date.now() / 1000);
	return sign({ sub: patientId, role: "patient", doctor_id: null, iat, exp: iat + 3600 }, secret, "HS256");
}
