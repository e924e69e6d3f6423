// Which tokens each account still honours, and which dependents their owners removed. A token carries the account's token version (`tv`) it was issued
// under; raising the version (deleting the account) revokes every earlier token and stamps the account's
// `tokens_revoked_at`. Each isolate keeps the revocations of the last token lifetime and reads only what is
// new since, at most twice per TTL for all accounts together: a read per account would put D1 on the path of
// every caller's first request, which the architecture forbids. The read is made ahead of the TTL, in the
// background (src/lib/refresh-ahead.ts), so only an isolate's first callers wait on it.
import { type HopPhase, hop } from "../lib/hops";
import { refreshInBackground, staleness } from "../lib/refresh-ahead";
import { TOKEN_TTL_SECONDS } from "./auth";
import { ApiError } from "./errors";

/** How long another isolate may accept a revoked token (the isolate that revokes forgets at once). */
export const TOKEN_VERSION_TTL_MS = 30_000;
/** Writers' clocks differ a little: each read goes back this far before the last one (re-reading is harmless). */
const OVERLAP_MS = 60_000;
/** Stands for a deleted account: no version is new enough. */
const REVOKED = Number.POSITIVE_INFINITY;

// Plain SQL, columns of src/db/schema.ts `users`; `users_tokens_revoked_at` keeps it to the rows it returns.
const REVOKED_SINCE =
	"SELECT id, token_version, deleted_at, tokens_revoked_at FROM users WHERE tokens_revoked_at >= ?";
// Removed dependents (`dependents_removed_at`), read in the same batch: a family booking checks them in memory.
const REMOVED_DEPENDENTS_SINCE = "SELECT id FROM dependents WHERE removed_at >= ?";

export interface RevocationRow {
	id: string;
	token_version: number;
	deleted_at: string | null;
	tokens_revoked_at: number;
}

/** What the check needs of the Worker's env: D1, and the hops trace (the read is a remote call). */
export type RevocationEnv = Pick<Env, "DB" | "HOP_TRACE">;

/** What one read brings: the accounts' revocations since `since`, the dependents removed since `removedSince`. */
export interface RevocationRead {
	accounts: RevocationRow[];
	removedDependents: string[];
}

/** `phase`: whether a request waits on the read ("before" its answer) or it runs in the background. */
export type ReadRevocations = (
	env: RevocationEnv,
	since: number,
	removedSince: number,
	phase?: HopPhase,
) => Promise<RevocationRead>;

export class Revocations {
	/** Per account: the oldest token version honoured, and when that was decided. */
	private readonly oldest = new Map<string, { version: number; at: number }>();
	/** When the last completed read started (this isolate's clock); null before the first. */
	private readFrom: number | null = null;
	private reading: Promise<void> | null = null;
	/**
	 * Dependents removed by their owners. Unlike tokens their ids never expire, so every removal ever is kept
	 * (the first read takes them all; a family keeps at most 20 dependents at a time, so this stays small).
	 */
	private readonly removed = new Set<string>();

	constructor(
		private readonly read: ReadRevocations,
		private readonly tokenLifetimeMs: number,
	) {}

	/** Throws 401 UNAUTHORIZED when the account has revoked tokens of version `tokenVersion`. */
	async require(env: RevocationEnv, userId: string, tokenVersion: number, now = Date.now()): Promise<void> {
		const state = staleness(this.readFrom, TOKEN_VERSION_TTL_MS, now);
		if (state === "expired") await this.refresh(env, now, "before");
		else if (state === "refresh") refreshInBackground(this.refresh(env, now, "after"), "token-versions");
		if (tokenVersion < (this.oldest.get(userId)?.version ?? 0)) {
			throw new ApiError("UNAUTHORIZED", "This token was revoked: the account was deleted or signed out.");
		}
	}

	/**
	 * Whether the owner removed this dependent: as fresh as this isolate's last read (at most the TTL old; the
	 * isolate that removed it knows at once). Called after `require`, so it waits on nothing.
	 */
	isRemovedDependent(id: string): boolean {
		return this.removed.has(id);
	}

	/** After this isolate removed a dependent: refuse to book it here at once. */
	removeDependentHere(id: string): void {
		this.removed.add(id);
	}

	/** After this isolate deleted the account: refuse its tokens here at once, with no D1 read. */
	revokeHere(userId: string, now = Date.now()): void {
		this.oldest.set(userId, { version: REVOKED, at: now });
	}

	/** After this isolate raised the account's token version: refuse older tokens here at once. */
	raiseHere(userId: string, version: number, now = Date.now()): void {
		const known = this.oldest.get(userId);
		if (known === undefined || known.version < version) this.oldest.set(userId, { version, at: now });
	}

	/** Concurrent callers share one read; a failed read is not remembered, so the next caller tries again. */
	private refresh(env: RevocationEnv, now: number, phase: HopPhase): Promise<void> {
		this.reading ??= (async () => {
			// Revocations older than a token's lifetime concern only tokens that have expired anyway.
			const since = this.readFrom === null ? now - this.tokenLifetimeMs : this.readFrom - OVERLAP_MS;
			const removedSince = this.readFrom === null ? 0 : this.readFrom - OVERLAP_MS;
			const read = await this.read(env, since, removedSince, phase);
			for (const id of read.removedDependents) this.removed.add(id);
			for (const row of read.accounts) {
				const version = row.deleted_at === null ? row.token_version : REVOKED;
				const known = this.oldest.get(row.id);
				if (known === undefined || known.version < version)
					this.oldest.set(row.id, { version, at: row.tokens_revoked_at });
			}
			for (const [userId, entry] of this.oldest)
				if (entry.at < now - this.tokenLifetimeMs) this.oldest.delete(userId);
			this.readFrom = now;
		})().finally(() => {
			this.reading = null;
		});
		return this.reading;
	}
}

// Made on first use: auth.ts (the token lifetime) and this module import each other.
let revocations: Revocations | null = null;

/** The revocations stamped at or after `since` (epoch ms). */
export const readRevocations: ReadRevocations = async (env, since, removedSince, phase = "before") => {
	hop(env, "worker→D1", phase, "token-versions.readRevocations");
	const [accounts, removed] = await env.DB.batch<unknown>([
		env.DB.prepare(REVOKED_SINCE).bind(since),
		env.DB.prepare(REMOVED_DEPENDENTS_SINCE).bind(removedSince),
	]);
	return {
		accounts: (accounts?.results ?? []) as RevocationRow[],
		removedDependents: ((removed?.results ?? []) as { id: string }[]).map((row) => row.id),
	};
};

function isolateRevocations(): Revocations {
	revocations ??= new Revocations(readRevocations, TOKEN_TTL_SECONDS * 1000);
	return revocations;
}

/** Throws 401 UNAUTHORIZED when the account has revoked tokens of version `tokenVersion`. */
export function requireCurrentToken(env: RevocationEnv, userId: string, tokenVersion: number): Promise<void> {
	return isolateRevocations().require(env, userId, tokenVersion);
}

/** After this isolate deleted the account: refuse its tokens here at once, with no D1 read. */
export function revokeInThisIsolate(userId: string): void {
	isolateRevocations().revokeHere(userId);
}

/** After this isolate raised the account's token version (a password reset): older tokens fail here at once. */
export function raiseTokenVersionInThisIsolate(userId: string, version: number): void {
	isolateRevocations().raiseHere(userId, version);
}

/** Whether the dependent's owner removed it (this isolate's view: see `Revocations.isRemovedDependent`). */
export function isRemovedDependent(id: string): boolean {
	return isolateRevocations().isRemovedDependent(id);
}

/** After this isolate removed a dependent: no booking of it passes here from now on. */
export function removeDependentInThisIsolate(id: string): void {
	isolateRevocations().removeDependentHere(id);
}
