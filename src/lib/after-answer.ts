// Work an object does after its answers (event deliveries, the doctor's notices, emails): started at once
// in the same invocation, one run at a time, with an alarm timer only as the safety net. An alarm is a
// whole invocation of its own, so work set "for now" on the alarm costs a wake-up per change.

/** If a run started after an answer never finishes (eviction, crash), the safety-net alarm tries by then. */
export const SAFETY_NET_MS = 5_000;

/**
 * Resolves once the runtime has had a turn at its network. A run, and each batch after its first, waits for
 * one, so that requests and answers waiting there go before the work an object does after its answers, and
 * what was committed meanwhile joins the batch. Without it, the chain of deliveries and their replies can keep
 * a busy thread from reading new requests for seconds (locally, where the Worker and every object share one).
 */
export function networkTurn(): Promise<void> {
	return scheduler.wait(0);
}

/**
 * Starts `run` without making the caller wait; a failure is logged as `event` with `fields`, and the
 * safety-net timer the caller set tries again.
 */
export function startAfterAnswer(
	run: () => Promise<void>,
	event: string,
	fields: Record<string, unknown> = {},
): void {
	void run().catch((error: unknown) =>
		console.error(JSON.stringify({ event, ...fields, error: String(error) })),
	);
}

/** Runs `work` one at a time; a call during a run makes it run once more after, and waits for that. */
export function singleFlight(work: () => Promise<void>): () => Promise<void> {
	let running: Promise<void> | null = null;
	let again = false;
	return () => {
		if (running !== null) {
			again = true;
			return running;
		}
		running = (async () => {
			try {
				do {
					again = false;
					await work();
				} while (again);
			} finally {
				running = null;
			}
		})();
		return running;
	};
}
