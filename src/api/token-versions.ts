// Which tokens each account still honours, kept per isolate for a short time: a token carries the account's
// token version (`tv`) it was issued under, and raising the version revokes every earlier token. Checking D1
// on every request would put a round trip on the booking path, which the architecture forbids.
import { ApiError } from "./errors";

/** How long another isolate may accept a revoked token (the isolate that revokes forgets at once). */
export const TOKEN_VERSION_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
/** Stands for a deleted account: no version is new enough. */
const REVOKED = Number.POSITIVE_INFINITY;

// Plain SQL: this read runs on a cache miss of any authenticated request. Columns of src/db/schema.ts `users`.
const VERSION_OF_USER = "SELECT token_version, deleted_at FROM users WHERE id = ?";

interface Entry {
	/** The lowest version still honoured; a pending read is shared by concurrent requests. */
	oldest: Promise<number>;
	until: number;
}

const entries = new Map<string, Entry>();

/** Throws 401 UNAUTHORIZED when the account has revoked tokens of version `tokenVersion`. */
export async function requireCurrentToken(
	db: D1Database,
	userId: string,
	tokenVersion: number,
): Promise<void> {
	const now = Date.now();
	let entry = entries.get(userId);
	if (entry === undefined || entry.until <= now) {
		if (entries.size >= MAX_ENTRIES) entries.clear();
		const fresh: Entry = { oldest: load(db, userId), until: now + TOKEN_VERSION_TTL_MS };
		entries.set(userId, fresh);
		// A failed read is not remembered: the next request tries again.
		void fresh.oldest.catch(() => entries.get(userId) === fresh && entries.delete(userId));
		entry = fresh;
	}
	// A token newer than what this isolate read is fine: the cache is behind, never ahead, of D1.
	if (tokenVersion < (await entry.oldest)) {
		throw new ApiError("UNAUTHORIZED", "This token was revoked: the account was deleted or signed out.");
	}
}

/**
 * The oldest version honoured. An id with no row has revoked nothing: accounts are never removed, only
 * turned into tombstones, so a missing row is a token minted for a test or load run, trusted as before.
 */
async function load(db: D1Database, userId: string): Promise<number> {
	const row = await db
		.prepare(VERSION_OF_USER)
		.bind(userId)
		.first<{ token_version: number; deleted_at: string | null }>();
	if (row === null) return 0;
	return row.deleted_at === null ? row.token_version : REVOKED;
}

/** After this isolate deleted the account: refuse its tokens here at once, with no D1 read. */
export function revokeInThisIsolate(userId: string): void {
	entries.set(userId, { oldest: Promise.resolve(REVOKED), until: Date.now() + TOKEN_VERSION_TTL_MS });
}
