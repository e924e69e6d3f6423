// Fault injection for the reschedule saga's crash test (test-e2e/reschedule-crash.test.ts): with
// SAGA_FAULTS=<n> (a `--var` of wrangler dev in tests; never set in wrangler.toml, so never deployed) the
// saga stops hard right after its step n: 1 begun, 2 new place held, 3 new appointment confirmed, 4 old one
// released. What the step wrote stays; nothing after it runs, as if the runtime died there.

export const SAGA_STEP_NAMES = ["begun", "held", "confirmed", "released"] as const;

export function sagaFault(env: object, step: 1 | 2 | 3 | 4): void {
	if ((env as { SAGA_FAULTS?: string }).SAGA_FAULTS === String(step))
		throw new Error(`SAGA_FAULTS: stopped after step ${step} (${SAGA_STEP_NAMES[step - 1]})`);
}
