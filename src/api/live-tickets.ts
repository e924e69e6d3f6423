// Live tickets: single-use passes, valid 60 s, that open one authenticated WebSocket, so a long-lived token
// never sits in a URL (where proxies, logs and histories keep it). A ticket is `<claims>.<HMAC>`, signed with
// a key derived from AUTH_SECRET apart from the JWT key and checked here without storage; the object that
// accepts the socket remembers used ids until they expire, which makes each ticket single-use.
import { z } from "@hono/zod-openapi";
import type { Actor } from "../core/appointment";
import type { Credential } from "./context";
import { ApiError } from "./errors";
import { secretsEqual } from "./passwords";

export const TICKET_TTL_MS = 60_000;
export const CHANNELS = ["me", "doctor", "room"] as const;
export type Channel = (typeof CHANNELS)[number];

const TicketClaims = z.strictObject({
	user_id: z.string(),
	role: z.enum(["admin", "doctor", "patient"]),
	doctor_id: z.string().nullable(),
	channel: z.enum(CHANNELS),
	/** What the channel is about: the doctor's id for "doctor", the user's own id for "me". */
	target: z.string(),
	id: z.string(),
	expires_at: z.number().int(),
	/** When the bearer token it was issued from expires; null for ADMIN_TOKEN, which does not. */
	token_expires_at: z.number().int().nullable(),
	token_version: z.number().int().nonnegative(),
});
export type Ticket = z.infer<typeof TicketClaims>;

const SHAPE = /^([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;
const keys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

/** HKDF from AUTH_SECRET with its own label: a ticket can never pass for a token, nor the reverse. */
function ticketKey(secret: string): Promise<CryptoKey> {
	let key = keys.get(secret);
	if (key === undefined) {
		key = crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]).then((base) =>
			crypto.subtle.deriveKey(
				{
					name: "HKDF",
					hash: "SHA-256",
					salt: new Uint8Array(),
					info: encoder.encode("docslot live tickets v1"),
				},
				base,
				{ name: "HMAC", hash: "SHA-256", length: 256 },
				false,
				["sign"],
			),
		);
		keys.set(secret, key);
	}
	return key;
}

async function mac(secret: string, body: string): Promise<string> {
	return base64url(
		new Uint8Array(await crypto.subtle.sign("HMAC", await ticketKey(secret), encoder.encode(body))),
	);
}

/** A ticket for `actor` on one channel's target; it never outlives the token it comes from. */
export async function issueTicket(
	secret: string,
	who: { actor: Actor; credential: Credential },
	channel: Channel,
	target: string,
	now = Date.now(),
): Promise<{ ticket: string; expiresAt: number }> {
	const { actor, credential } = who;
	const claims: Ticket = {
		user_id: actor.userId,
		role: actor.role,
		doctor_id: actor.doctorId,
		channel,
		target,
		id: base64url(crypto.getRandomValues(new Uint8Array(16))),
		expires_at: Math.min(now + TICKET_TTL_MS, credential.expiresAt ?? Number.POSITIVE_INFINITY),
		token_expires_at: credential.expiresAt,
		token_version: credential.version,
	};
	const body = base64url(encoder.encode(JSON.stringify(claims)));
	return { ticket: `${body}.${await mac(secret, body)}`, expiresAt: claims.expires_at };
}

/**
 * The claims of a ticket this service signed for `channel` and `target`, unexpired; 401 otherwise. A null
 * `target` means the ticket's own user (the "me" channel: whoever's ticket it is, and only theirs).
 */
export async function readTicket(
	secret: string,
	ticket: string,
	channel: Channel,
	target: string | null,
	now = Date.now(),
): Promise<Ticket> {
	const match = SHAPE.exec(ticket);
	if (match === null || !(await secretsEqual(match[2] as string, await mac(secret, match[1] as string)))) {
		throw new ApiError("UNAUTHORIZED", "This ticket is not valid: ask POST /api/live-tickets for one.");
	}
	// The MAC is good, so the claims are ours; parsing them is still checked rather than assumed.
	const parsed = TicketClaims.safeParse(
		JSON.parse(new TextDecoder().decode(fromBase64url(match[1] as string))),
	);
	if (!parsed.success) throw new ApiError("UNAUTHORIZED", "This ticket is not valid.");
	const claims = parsed.data;
	if (claims.channel !== channel || claims.target !== (target ?? claims.user_id)) {
		throw new ApiError(
			"FORBIDDEN",
			`This ticket is for another channel (${claims.channel} ${claims.target}).`,
		);
	}
	if (claims.expires_at <= now) {
		throw new ApiError("UNAUTHORIZED", "This ticket has expired: ask POST /api/live-tickets for a new one.");
	}
	return claims;
}

function base64url(bytes: Uint8Array): string {
	let text = "";
	for (const byte of bytes) text += String.fromCharCode(byte);
	return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
	return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
}
