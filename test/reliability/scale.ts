// How hard the reliability tests push: `npm test` runs them at scale 1; `npm run test:soak` passes
// RELIABILITY_SCALE (and optionally RELIABILITY_SEED) in as bindings (see vitest.soak.config.ts).
import { env } from "cloudflare:test";

const bindings = env as unknown as Record<string, unknown>;

function positive(name: string, fallback: number): number {
	const value = Number(bindings[name]);
	return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** 1 in `npm test`; the soak multiplies run counts and storm sizes by this. */
export const SCALE = positive("RELIABILITY_SCALE", 1);

/** True under `npm run test:soak`. */
export const SOAK = SCALE > 1;

/** fast-check parameters: `runs` at scale 1, `runs × SCALE` in the soak; a fixed seed when one is given. */
export function runs(base: number): { numRuns: number; seed?: number } {
	const raw = bindings.RELIABILITY_SEED;
	const seed = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
	return { numRuns: Math.max(1, Math.round(base * SCALE)), ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** A per-test time limit that grows with the scale. */
export function timeLimit(baseMs: number): number {
	return Math.round(baseMs * SCALE);
}
