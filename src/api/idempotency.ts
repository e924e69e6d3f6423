// Idempotency-Key claims: a user's key is bound in D1 to one booking request (doctor and start) before any
// doctor-day object sees it, so requests racing with one key to different days cannot both book. The bound
// day's object replays retries of the same request and refuses another one with the key.
// Plain SQL (on every keyed booking: the booking page always sends a key); the table is src/db/schema.ts's
// `idempotencyKeys`.
import { nowIso } from "../lib/ids";
import { ApiError } from "./errors";

export interface Claim {
	bookedBy: string;
	key: string;
	doctorId: string;
	start: string;
	/** This request inserted the binding (an earlier twin of it did not). */
	isNew: boolean;
}

const INSERT = `INSERT INTO idempotency_keys (booked_by, key, doctor_id, start, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;
const HELD = "SELECT doctor_id, start FROM idempotency_keys WHERE booked_by = ? AND key = ?";
const DELETE = "DELETE FROM idempotency_keys WHERE booked_by = ? AND key = ?";

/** Binds the key to this request, or finds it bound to the same one; another request is a 409. */
export async function claimIdempotencyKey(d1: D1Database, request: Omit<Claim, "isNew">): Promise<Claim> {
	const { bookedBy, key, doctorId, start } = request;
	// One round trip: the insert tells whether it was first, the select what the key is bound to.
	const [inserted, held] = await d1.batch<{ doctor_id: string; start: string }>([
		insert(d1, request),
		d1.prepare(HELD).bind(bookedBy, key),
	]);
	const row = held?.results[0];
	if (row === undefined || row.doctor_id !== doctorId || row.start !== start) {
		throw new ApiError("IDEMPOTENCY_KEY_REUSED");
	}
	return { ...request, isNew: (inserted?.meta.changes ?? 0) > 0 };
}

/**
 * After the object answered: the binding stays while the object holds a booking under the key, and goes
 * when it holds none, so a refused request leaves the key free. A twin of this request with another body
 * may book in the object at any moment, so a release re-checks the object after the delete, and a twin that
 * booked puts the binding back after its booking: whichever comes last, the binding ends up there.
 */
export async function settleClaim(
	d1: D1Database,
	claim: Claim,
	objectHoldsKey: boolean,
	recheck: () => Promise<boolean>,
): Promise<void> {
	if (objectHoldsKey) {
		if (!claim.isNew) await bind(d1, claim);
		return;
	}
	if (!claim.isNew) return;
	await release(d1, claim);
	if (await recheck()) await bind(d1, claim);
}

/** Frees a new binding whose request never reached an object (its doctor does not exist). */
export function release(d1: D1Database, claim: Claim): Promise<unknown> {
	return d1.prepare(DELETE).bind(claim.bookedBy, claim.key).run();
}

function bind(d1: D1Database, claim: Claim): Promise<unknown> {
	return insert(d1, claim).run();
}

function insert(d1: D1Database, binding: Omit<Claim, "isNew">): D1PreparedStatement {
	return d1.prepare(INSERT).bind(binding.bookedBy, binding.key, binding.doctorId, binding.start, nowIso());
}
