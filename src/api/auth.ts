// Who is calling: signed expiring tokens (HS256 with AUTH_SECRET) or the ADMIN_TOKEN, and role checks.
import type { Context, MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import type { Actor, Role } from "../core/appointment";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { secretsEqual } from "./passwords";

const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const ADMIN_ACTOR: Actor = { userId: "admin", role: "admin", doctorId: null };

export async function issueToken(actor: Actor, secret: string, now = Date.now()): Promise<string> {
	const iat = Math.floor(now / 1000);
	return sign(
		{ sub: actor.userId, role: actor.role, doctor_id: actor.doctorId, iat, exp: iat + TOKEN_TTL_SECONDS },
		secret,
		"HS256",
	);
}

/** Sets `actor` from the bearer token (null when there is none); a bad token is a 401, never ignored. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
	c.set("actor", await actorFromHeader(c.req.header("authorization"), c.env));
	await next();
};

async function actorFromHeader(header: string | undefined, env: Env): Promise<Actor | null> {
	if (header === undefined) return null;
	// Auth schemes are case-insensitive (RFC 7235): "bearer x" and "BEARER x" are "Bearer x".
	const match = /^bearer +([^\s]{1,4096})$/i.exec(header);
	if (match === null) throw new ApiError("UNAUTHORIZED");
	return actorFromToken(match[1] as string, env);
}

/** The actor a bearer token stands for; browsers' WebSockets cannot send headers, so it may come from a query. */
export async function actorFromToken(token: string, env: Env): Promise<Actor> {
	if (env.ADMIN_TOKEN && (await secretsEqual(token, env.ADMIN_TOKEN))) return ADMIN_ACTOR;
	if (!isCanonicalJwt(token)) throw new ApiError("UNAUTHORIZED");
	try {
		const payload = await verify(token, env.AUTH_SECRET, "HS256");
		const role = payload.role;
		if (typeof payload.sub !== "string" || (role !== "admin" && role !== "doctor" && role !== "patient")) {
			throw new ApiError("UNAUTHORIZED");
		}
		const doctorId = typeof payload.doctor_id === "string" ? payload.doctor_id : null;
		return { userId: payload.sub, role, doctorId };
	} catch {
		throw new ApiError("UNAUTHORIZED");
	}
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
