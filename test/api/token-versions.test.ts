// Revoked tokens: each isolate reads the accounts' revocations from D1 about once per half TTL for all accounts
// together (never once per account), ahead of time, and honours a revocation written elsewhere within that TTL.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../src/api/errors";
import {
	type ReadRevocations,
	Revocations,
	readRevocations,
	TOKEN_VERSION_TTL_MS,
} from "../../src/api/token-versions";
import { createPatient } from "../helpers";

const LIFETIME_MS = 7 * 24 * 3600_000;

/** The real D1 read, counted. */
function countedReader() {
	const reader = {
		reads: 0,
		read: (async (target, since, removedSince) => {
			reader.reads++;
			return readRevocations(target, since, removedSince);
		}) as ReadRevocations,
	};
	return reader;
}

async function outcome(check: Promise<void>): Promise<string> {
	try {
		await check;
		return "ok";
	} catch (error) {
		return error instanceof ApiError ? error.code : String(error);
	}
}

/** What deleting an account in another isolate writes. */
function revokeElsewhere(userId: string, version: number, at: number, deleted = false) {
	return env.DB.prepare(
		"UPDATE users SET token_version = ?, tokens_revoked_at = ?, deleted_at = ? WHERE id = ?",
	)
		.bind(version, at, deleted ? new Date(at).toISOString() : null, userId)
		.run();
}

describe("token revocations", () => {
	it("refuse tokens older than the account's version and accept newer ones", async () => {
		const patient = await createPatient();
		const now = Date.now();
		await revokeElsewhere(patient.id, 2, now - 1000);
		const revocations = new Revocations(readRevocations, LIFETIME_MS);
		const results = [];
		for (const version of [0, 1, 2, 3])
			results.push(await outcome(revocations.require(env, patient.id, version, now)));
		expect(results).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "ok", "ok"]);
	});

	it("read D1 once per half TTL however many accounts call, and concurrent first callers share the read", async () => {
		const reader = countedReader();
		const revocations = new Revocations(reader.read, LIFETIME_MS);
		const now = Date.now();
		const users = Array.from({ length: 50 }, (_, i) => `someone-${i}-${now}`);
		await Promise.all(users.map((id) => revocations.require(env, id, 0, now)));
		expect(reader.reads).toBe(1);
		for (const id of users) await revocations.require(env, id, 0, now + TOKEN_VERSION_TTL_MS / 2 - 1);
		expect(reader.reads).toBe(1);
		await revocations.require(env, "anyone", 0, now + TOKEN_VERSION_TTL_MS);
		expect(reader.reads).toBe(2);
	});

	it("read again in the background from half the TTL: callers go on meanwhile, and wait only once the TTL is over", async () => {
		const patient = await createPatient();
		let reads = 0;
		let release = () => {};
		let failing = false;
		const reader: ReadRevocations = async (target, since, removedSince) => {
			reads++;
			if (reads === 2) await new Promise<void>((resolve) => (release = resolve));
			if (failing) throw new Error("D1 is down");
			return readRevocations(target, since, removedSince);
		};
		const revocations = new Revocations(reader, LIFETIME_MS);
		const t0 = Date.now();
		const half = t0 + TOKEN_VERSION_TTL_MS / 2;
		expect(await outcome(revocations.require(env, patient.id, 0, t0))).toBe("ok");
		await revokeElsewhere(patient.id, 1, t0 + 1_000);
		// The second read hangs until released: these calls are answered from what is held, and share that read.
		expect(await outcome(revocations.require(env, patient.id, 0, half))).toBe("ok");
		expect(await outcome(revocations.require(env, patient.id, 0, half + 1))).toBe("ok");
		expect(reads).toBe(2);
		release();
		await vi.waitFor(async () =>
			expect(await outcome(revocations.require(env, patient.id, 0, half + 2))).toBe("UNAUTHORIZED"),
		);
		expect(reads).toBe(2);
		// A failed background read is not thrown at anyone; once the TTL is over, the caller waits on a read of its own.
		failing = true;
		expect(await outcome(revocations.require(env, patient.id, 1, half + TOKEN_VERSION_TTL_MS / 2))).toBe(
			"ok",
		);
		expect(await outcome(revocations.require(env, patient.id, 1, half + TOKEN_VERSION_TTL_MS))).toMatch(
			/D1 is down/,
		);
	});

	it("honour a revocation written by another isolate within the TTL, and a deletion refuses every version", async () => {
		const [kept, deleted] = [await createPatient(), await createPatient()];
		const revocations = new Revocations(readRevocations, LIFETIME_MS);
		const t0 = Date.now();
		expect(await outcome(revocations.require(env, kept.id, 0, t0))).toBe("ok");
		await revokeElsewhere(kept.id, 1, t0 + 1_000);
		await revokeElsewhere(deleted.id, 1, t0 + 1_000, true);
		// The documented window: until this isolate's next read, the old token still works here.
		expect(await outcome(revocations.require(env, kept.id, 0, t0 + 5_000))).toBe("ok");
		const later = t0 + TOKEN_VERSION_TTL_MS;
		expect(await outcome(revocations.require(env, kept.id, 0, later))).toBe("UNAUTHORIZED");
		expect(await outcome(revocations.require(env, kept.id, 1, later))).toBe("ok");
		expect(await outcome(revocations.require(env, deleted.id, 99, later))).toBe("UNAUTHORIZED");
	});

	it("do not remember a failed read: the next caller reads again", async () => {
		let fail = true;
		const reader: ReadRevocations = async (target, since, removedSince) => {
			if (fail) throw new Error("D1 is down");
			return readRevocations(target, since, removedSince);
		};
		const revocations = new Revocations(reader, LIFETIME_MS);
		expect(await outcome(revocations.require(env, "anyone", 0))).toMatch(/D1 is down/);
		fail = false;
		expect(await outcome(revocations.require(env, "anyone", 0))).toBe("ok");
	});

	it("refuse at once, with no read, in the isolate that revoked", async () => {
		const reader = countedReader();
		const revocations = new Revocations(reader.read, LIFETIME_MS);
		const now = Date.now();
		await revocations.require(env, "warm-up", 0, now);
		revocations.revokeHere("gone", now);
		expect(await outcome(revocations.require(env, "gone", 5, now + 1))).toBe("UNAUTHORIZED");
		expect(reader.reads).toBe(1);
	});

	it("know a dependent removed by another isolate within the TTL, however long ago, from the same one read", async () => {
		const reader = countedReader();
		const revocations = new Revocations(reader.read, LIFETIME_MS);
		const t0 = Date.now();
		const [old, fresh] = [`dep-${crypto.randomUUID()}`, `dep-${crypto.randomUUID()}`];
		const insert = env.DB.prepare(
			"INSERT INTO dependents (id, owner_id, name, created_at, removed_at) VALUES (?, 'p', '', '2027-01-01', ?)",
		);
		// Removed long before a token's lifetime: dependents' ids never expire, so it is still refused.
		await insert.bind(old, t0 - 2 * LIFETIME_MS).run();
		await revocations.require(env, "anyone", 0, t0);
		expect([revocations.isRemovedDependent(old), revocations.isRemovedDependent(fresh)]).toEqual([
			true,
			false,
		]);
		await insert.bind(fresh, t0 + 1_000).run();
		expect(revocations.isRemovedDependent(fresh)).toBe(false); // the documented window
		await revocations.require(env, "anyone", 0, t0 + TOKEN_VERSION_TTL_MS);
		expect(revocations.isRemovedDependent(fresh)).toBe(true);
		expect(reader.reads).toBe(2);
		revocations.removeDependentHere("dep-here");
		expect(revocations.isRemovedDependent("dep-here")).toBe(true);
	});
});
