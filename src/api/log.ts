// Structured logs: one JSON line per event, so they can be queried rather than read.
export function logEvent(event: string, fields: Record<string, unknown>): void {
	console.log(JSON.stringify({ event, at: new Date().toISOString(), ...fields }));
}
