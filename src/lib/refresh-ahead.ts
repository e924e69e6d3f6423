// Values the Worker keeps from D1 for a while (a doctor's routing record, the accounts' revocations). From
// half their lifetime on, the next caller starts a new read in the background and goes on with what is held,
// so a steady stream of requests never waits on D1: one waits only when nothing young enough is held. A
// caller that waited on another request's read would also resume late, released with every other waiter
// when the runtime hands that read's result across requests.
import { waitUntil } from "cloudflare:workers";

export type Staleness = "fresh" | "refresh" | "expired";

/** Where a value read at `readAt` (null: never) stands at `now`, when it may be used for `ttlMs`. */
export function staleness(readAt: number | null, ttlMs: number, now: number): Staleness {
	if (readAt === null || now - readAt >= ttlMs) return "expired";
	return now - readAt >= ttlMs / 2 ? "refresh" : "fresh";
}

/**
 * Lets `read` finish after the answer that started it (the runtime would otherwise cancel it with that
 * request); a failure is logged, not thrown, and the value held stays until its lifetime ends.
 */
export function refreshInBackground(read: Promise<unknown>, what: string): void {
	const settled = read.catch((error: unknown) => {
		console.error(JSON.stringify({ event: "background_refresh_failed", what, error: String(error) }));
	});
	try {
		waitUntil(settled);
	} catch {
		// Outside a request (tests calling directly): nothing would cancel it.
	}
}
