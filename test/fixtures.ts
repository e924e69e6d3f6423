// Pure test fixtures shared by the Workers tests (test/helpers.ts) and the end-to-end ones
// (test-e2e/client.ts): names, dates, schedules and reading an answer. No runtime imports, so both runtimes
// can load it.
import { addDays } from "../src/core/time";

let counter = 0;
/** A name unique across runs and servers, e.g. for emails and ids. */
export function unique(prefix: string): string {
	counter += 1;
	return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A date `days` from today in UTC, which is the doctors' zone in these tests unless they say otherwise. */
export function inDays(days: number): string {
	return addDays(new Date().toISOString().slice(0, 10), days);
}

/** The UTC instant of `time` on `date` for the UTC doctors used in tests. */
export function at(date: string, time: string): string {
	return new Date(`${date}T${time}:00.000Z`).toISOString();
}

export type Ranges = Array<{ start: string; end: string; capacity?: number }>;

/** The same ranges on all seven days. */
export function allWeek(ranges: Ranges) {
	return {
		monday: ranges,
		tuesday: ranges,
		wednesday: ranges,
		thursday: ranges,
		friday: ranges,
		saturday: ranges,
		sunday: ranges,
	};
}

export interface Call {
	status: number;
	// biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON the contract defines
	body: any;
	headers: Headers;
}

/** An answer as tests read it: the body parsed as JSON, or the text when it is not JSON. */
export async function readCall(response: Response): Promise<Call> {
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {}
	return { status: response.status, body: parsed, headers: response.headers };
}
