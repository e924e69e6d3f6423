// Fault injection for the reschedule saga's crash test (test-e2e/reschedule-crash.test.ts). SAGA_FAULTS is
// a `--var` of wrangler dev in tests only (never in wrangler.toml, so never deployed): a comma-separated list
// of `<step>` (every saga) or `<key prefix>=<step>` (sagas whose Idempotency-Key starts so). A matching saga
// stops hard right after that step: 1 begun, 2 new place held, 3 new appointment confirmed, 4 old one
// released. What the step wrote stays; nothing after it runs, as if the runtime died there.

export const SAGA_STEP_NAMES = ["begun", "held", "confirmed", "released"] as const;

export function sagaFault(env: object, step: 1 | 2 | 3 | 4, key: string | null): void {
	const faults = (env as { SAGA_FAULTS?: string }).SAGA_FAULTS;
	if (faults === undefined || faults === "") return;
	for (const entry of faults.split(",")) {
		const [prefix, at] = entry.includes("=") ? entry.split("=", 2) : ["", entry];
		if (at === String(step) && (prefix === "" || (key ?? "").startsWith(prefix ?? "")))
			throw new Error(`SAGA_FAULTS: stopped after step ${step} (${SAGA_STEP_NAMES[step - 1]})`);
	}
}
