// Work an object does after its answers (event deliveries, the doctor's notices, emails): started at once
// in the same invocation, one run at a time, with an alarm timer only as the safety net. An alarm is a
// whole invocation of its own, so work set "for now" on the alarm costs a wake-up per change.
//
// Runs never wait on a timer to let requests go first: a saturated runtime fires timers only when it runs out
// of other work, so locally, under a closed load, `scheduler.wait(0)` held deliveries back for 5-9 s and they
// then ran in a burst that answered nothing for seconds. What a change brings while a run is out joins the
// next batch (`singleFlight`), which is where batching comes from under load.

/** If a run started after an answer never finishes (eviction, crash), the safety-net alarm tries by then. */
export const SAFETY_NET_MS = 5_000;

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
