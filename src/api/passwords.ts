// Password hashing with PBKDF2-SHA-256 through WebCrypto, and constant-time comparison.
import { memoized } from "../lib/memoized";

const ITERATIONS = 100_000; // the Workers runtime's maximum
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const SCHEME = "pbkdf2-sha256";

export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, ITERATIONS);
	return [SCHEME, ITERATIONS, toBase64(salt), toBase64(hash)].join("$");
}

// A well-formed hash to check against when the email is unknown, so both paths cost the same time.
const DECOY_HASH = `${SCHEME}$${ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

/**
 * Checks an NFC-normalised password. Accounts made before passwords were normalised may hold the hash of
 * its decomposed (NFD) form, so that is tried too when it differs; both paths cost the same for unknown emails.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
	if (await verifyExactly(password, stored)) return true;
	const decomposed = password.normalize("NFD");
	return decomposed !== password && (await verifyExactly(decomposed, stored));
}

async function verifyExactly(password: string, stored: string | null): Promise<boolean> {
	const [scheme, iterations, salt, hash] = (stored ?? DECOY_HASH).split("$");
	if (scheme !== SCHEME || salt === undefined || hash === undefined) return false;
	const derived = await derive(password, fromBase64(salt), Number(iterations));
	return timingSafeEqual(derived, fromBase64(hash)) && stored !== null;
}

/** Compares two secrets in time that does not depend on where they differ. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
	return digestsEqual(sha256(a), sha256(b));
}

// The digests of our own secrets (ADMIN_TOKEN), made once per isolate and value: one digest per check, not two.
const secretDigest = memoized(sha256);

/**
 * Whether a caller's string is `secret`, one of this Worker's own secrets (never a value made per request,
 * which would fill the cache), compared as secretsEqual does.
 */
export async function matchesSecret(given: string, secret: string): Promise<boolean> {
	return digestsEqual(sha256(given), secretDigest(secret));
}

function sha256(text: string): Promise<ArrayBuffer> {
	return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

async function digestsEqual(a: Promise<ArrayBuffer>, b: Promise<ArrayBuffer>): Promise<boolean> {
	const [da, db] = await Promise.all([a, b]);
	return timingSafeEqual(new Uint8Array(da), new Uint8Array(db));
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
	return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
		"deriveBits",
	]);
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BYTES * 8,
	);
	return new Uint8Array(bits);
}

function toBase64(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
	return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
