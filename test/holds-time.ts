// Moves a doctor-day's holds (and their expiry timer) back in time, so tests reach expiry without sleeping.
import { runInDurableObject } from "cloudflare:test";
import type { DoctorDay } from "../src/doctor-day/doctor-day";

export async function ageHolds(stub: DurableObjectStub<DoctorDay>, byMs: number): Promise<void> {
	await runInDurableObject(stub, (_instance, state) => {
		state.storage.sql.exec(
			`UPDATE holds SET expires_ms = expires_ms - ?1,
				body = json_set(body, '$.expires_at', strftime('%Y-%m-%dT%H:%M:%fZ', (expires_ms - ?1) / 1000.0, 'unixepoch'))`,
			byMs,
		);
		state.storage.sql.exec("UPDATE timers SET due_at = due_at - ? WHERE name = 'expire-holds'", byMs);
	});
}
