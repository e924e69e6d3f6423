// A log of remote calls, counted where they are made, for the bench's hops table (bench/scenarios/hops.ts).
// Object→object calls before an answer are allowed for one request only: a reschedule across days (its saga).
// Off unless HOP_TRACE is "on". Locally the Worker and every object of the script share one isolate
// (checked by bench/experiments/shared-isolate), so this one module-level log sees both sides; deployed,
// each isolate would only see its own calls.

export type HopKind = "worker→object" | "worker→D1" | "object→D1" | "object→object";
/** On the way to the request's answer, or not waited on by it (event delivery, a background refresh). */
export type HopPhase = "before" | "after";

export interface Hop {
	kind: HopKind;
	phase: HopPhase;
	/** Where the call is made, e.g. "day-calls.bookOnDay". */
	site: string;
	at: number;
}

// Bounded, so a traced service left running under load cannot grow without end.
const MAX_HOPS = 10_000;
const hops: Hop[] = [];
let dropped = 0;

/** Records one remote call when tracing is on; costs one comparison when it is off. */
export function hop(env: { HOP_TRACE?: string }, kind: HopKind, phase: HopPhase, site: string): void {
	if (env.HOP_TRACE !== "on") return;
	if (hops.length >= MAX_HOPS) dropped++;
	else hops.push({ kind, phase, site, at: Date.now() });
}

/** Everything recorded since the last take, and how many calls did not fit; the log starts empty again. */
export function takeHops(): { hops: Hop[]; dropped: number } {
	const taken = { hops: hops.splice(0), dropped };
	dropped = 0;
	return taken;
}
