// Moves a doctor-day's holds (and their expiry timer) back in time, so tests reach expiry without sleeping,
// and lets the object's alarm expire them. The rows change behind the object's back, so it is evicted after:
// it reads them afresh, as after a restart (the store keeps hold and offer ends in memory).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { DoctorDay } from "../src/doctor-day/doctor-day";

type DayStub = DurableObjectStub<DoctorDay>;

/** Moves every hold's expiry (or just hold `id`'s) `byMs` earlier, and the expiry timer with it. */
export async function ageHolds(stub: DayStub, byMs: number, id: string | null = null): Promise<void> {
	await shiftHolds(stub, byMs, id);
	await evictDurableObject(stub);
}

async function shiftHolds(stub: DayStub, byMs: number, id: string | null): Promise<void> {
	await runInDurableObject(stub, (_instance, state) => {
		state.storage.sql.exec(
			`UPDATE holds SET expires_ms = expires_ms - ?1,
				body = json_set(body, '$.expires_at', strftime('%Y-%m-%dT%H:%M:%fZ', (expires_ms - ?1) / 1000.0, 'unixepoch'))
			 WHERE ?2 IS NULL OR id = ?2`,
			byMs,
			id,
		);
		state.storage.sql.exec(
			"UPDATE timers SET due_at = (SELECT min(expires_ms) FROM holds WHERE status = 'live') WHERE name = 'expire-holds'",
		);
	});
}

/**
 * Runs the object's alarm until hold `id` has expired (bounded). Any earlier timer's re-arming may point the
 * one alarm at the now-past expiry, so the runtime can run it first: either way the alarm does the work.
 */
export async function alarmUntilExpired(stub: DayStub, id: string, timeoutMs = 5_000): Promise<void> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		await runDurableObjectAlarm(stub);
		const status = await runInDurableObject(
			stub,
			(_instance, state) =>
				state.storage.sql.exec<{ status: string }>("SELECT status FROM holds WHERE id = ?", id).one().status,
		);
		if (status === "expired") return;
		if (Date.now() > until) throw new Error(`hold ${id} is ${status}, not expired, after ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** Moves every waitlist offer's end (and its hold's) `byMs` earlier, so the offers reach expiry without sleeping. */
export async function ageOffers(stub: DayStub, byMs: number): Promise<void> {
	await shiftHolds(stub, byMs, null);
	await runInDurableObject(stub, (_instance, state) => {
		const rows = state.storage.sql
			.exec<{ id: string; body: string }>("SELECT id, body FROM waitlist WHERE status = 'offered'")
			.toArray();
		for (const row of rows) {
			const entry = JSON.parse(row.body);
			entry.offer_expires_at = new Date(Date.parse(entry.offer_expires_at) - byMs).toISOString();
			state.storage.sql.exec("UPDATE waitlist SET body = ? WHERE id = ?", JSON.stringify(entry), row.id);
		}
	});
	await evictDurableObject(stub);
}
