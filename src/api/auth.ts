// Who is calling: signed expiring tokens (HS256 with AUTH_SECRET) or the ADMIN_TOKEN, and role checks.
import type { Context, MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import type { Actor, Role } from "../core/appointment";
import { memoized } from "../lib/memoized";
import type { AppEnv, Credential } from "./context";
import { ApiError } from "./errors";
import { matchesSecret } from "./passwords";
import { requireCurrentToken } from "./token-versions";

export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const ADMIN_ACTOR: Actor = { userId: "admin", role: "admin", doctorId: null };
const ADMIN_CREDENTIAL: Credential = { expiresAt: null, version: 0 };

/** A token for `actor`, issued at `now` under the account's token version `tokenVersion` (the `tv` claim). */
export async function issueToken(actor: Actor, secret: string, now = Date.now(), tokenVersion = 0) {
	const iat = Math.floor(now / 1000);
	const exp = iat + TOKEN_TTL_SECONDS;
	const claims = {
		sub: actor.userId,
		role: actor.role,
		doctor_id: actor.doctorId,
		tv: tokenVersion,
		iat,
		exp,
	};
	return sign(claims, secret, "HS256");
}

/** Sets `actor` from the bearer token (null when there is none); a bad token is a 401, never ignored. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
	const signedIn = await fromHeader(c.req.header("authorization"), c.env);
	c.set("actor", signedIn?.actor ?? null);
	c.set("credential", signedIn?.credential ?? null);
	await next();
};

async function fromHeader(header: string | undefined, env: Env) {
	if (header === undefined) return null;
	// Auth schemes are case-insensitive (RFC 7235): "bearer x" and "BEARER x" are "Bearer x".
	const match = /^bearer +([^\s]{1,4096})$/i.exec(header);
	if (match === null) throw new ApiError("UNAUTHORIZED");
	return fromToken(match[1] as string, env);
}

// Importing the key cost as much as checking a signature with it, on every request: each isolate imports
// it once per secret value (a rotated secret gets its own). A failed import is not kept.
const verifyingKey = memoized((secret: string) =>
	crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"verify",
	]),
);

/** Who a bearer token stands for, if it is signed, unexpired and not revoked by its account. */
async function fromToken(token: string, env: Env): Promise<{ actor: Actor; credential: Credential }> {
	if (env.ADMIN_TOKEN && (await matchesSecret(token, env.ADMIN_TOKEN))) {
		return { actor: ADMIN_ACTOR, credential: ADMIN_CREDENTIAL };
	}
	if (!isCanonicalJwt(token)) throw new ApiError("UNAUTHORIZED");
	const checked = verifyingKey(env.AUTH_SECRET).then((key) => verify(token, key, "HS256"));
	const payload = await checked.catch(() => {
		throw new ApiError("UNAUTHORIZED");
	});
	const { sub, role, exp } = payload;
	// Tokens issued before versions existed have no `tv`: they count as version 0, the one every account starts at.
	const version = payload.tv ?? 0;
	if (
		typeof sub !== "string" ||
		(role !== "admin" && role !== "doctor" && role !== "patient") ||
		typeof exp !== "number" ||
		typeof version !== "number" ||
		!Number.isSafeInteger(version) ||
		version < 0
	) {
		throw new ApiError("UNAUTHORIZED");
	}
	await requireCurrentToken(env, sub, version);
	const doctorId = typeof payload.doctor_id === "string" ? payload.doctor_id : null;
	return {
		actor: { userId: sub, role, doctorId },
		credential: { expiresAt: exp * 1000, version },
	};
}

// hono/jwt decodes base64url leniently (a trailing "=", stray low bits in the last character), so one token
// would have many spellings; only the one that was issued is accepted.
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HS256_SIGNATURE_CHARS = 43; // 32 bytes, unpadded

/** Three segments of canonical unpadded base64url, the last one an HS256 signature. */
export function isCanonicalJwt(token: string): boolean {
	const segments = token.split(".");
	return (
		segments.length === 3 &&
		segments[2]?.length === HS256_SIGNATURE_CHARS &&
		segments.every(isCanonicalBase64url)
	);
}

function isCanonicalBase64url(text: string): boolean {
	if (!BASE64URL.test(text) || text.length % 4 === 1) return false;
	const unusedBits = (text.length * 6) % 8;
	return (ALPHABET.indexOf(text.at(-1) ?? "") & ((1 << unusedBits) - 1)) === 0;
}

/** The caller, who must be signed in with one of `roles` (any role when none are given). */
export function requireActor(c: Context<AppEnv>, ...roles: Role[]): Actor {
	const actor = c.get("actor");
	if (actor === null) throw new ApiError("UNAUTHORIZED");
	if (roles.length > 0 && !roles.includes(actor.role)) throw new ApiError("FORBIDDEN");
	return actor;
}

/** Whether the caller is the ADMIN_TOKEN (a shared secret), rather than an account. */
export function isAdminToken(actor: Actor): boolean {
	return actor.userId === ADMIN_ACTOR.userId && actor.role === "admin";
}

/** Admins, or the doctor themself. */
export function requireDoctorOrAdmin(c: Context<AppEnv>, doctorId: string): Actor {
	const actor = requireActor(c, "admin", "doctor");
	if (actor.role === "doctor" && actor.doctorId !== doctorId) throw new ApiError("FORBIDDEN");
	return actor;
}

/** Route middleware: who may call is checked before the request is validated, so 401/403 come first. */
export function allow(...roles: Role[]): MiddlewareHandler<AppEnv> {
	return async (c, next) => {
		requireActor(c, ...roles);
		await next();
	};
}

/** Route middleware for /api/doctors/:doctor_id/…: admins, or that doctor. */
export const allowDoctorOrAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
	requireDoctorOrAdmin(c, c.req.param("doctor_id") ?? "");
	await next();
};
