// The Worker's routing record of a doctor: kept per isolate for ROUTE_TTL_MS, read again in the background
// from half of it, so that a busy doctor's requests never wait on D1 once the record is held.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { doctorRoute, forgetDoctorRoute, ROUTE_TTL_MS } from "../../src/api/doctor-route";
import { takeHops } from "../../src/lib/hops";
import { createDoctor } from "../helpers";

/** What another isolate's change of the doctor writes; this isolate is not told. */
function setAvailableElsewhere(doctorId: string, available: boolean) {
	return env.DB.prepare("UPDATE doctors SET is_available = ? WHERE id = ?")
		.bind(available ? 1 : 0, doctorId)
		.run();
}

describe("doctorRoute", () => {
	it("answers from the record held, reads it again in the background from half its lifetime, then answers the new one", async () => {
		const doctor = await createDoctor();
		const t0 = Date.now();
		expect((await doctorRoute(env, doctor.id, t0)).isAvailable).toBe(true);
		await setAvailableElsewhere(doctor.id, false);
		expect((await doctorRoute(env, doctor.id, t0 + ROUTE_TTL_MS / 2 - 1)).isAvailable).toBe(true);
		// From half its lifetime: still the record held, while the read runs.
		expect((await doctorRoute(env, doctor.id, t0 + ROUTE_TTL_MS / 2)).isAvailable).toBe(true);
		await vi.waitFor(async () =>
			expect((await doctorRoute(env, doctor.id, t0 + ROUTE_TTL_MS / 2 + 1)).isAvailable).toBe(false),
		);
	});

	it("waits on a read of its own once the record is older than its lifetime, or forgotten", async () => {
		const doctor = await createDoctor();
		const t0 = Date.now();
		expect((await doctorRoute(env, doctor.id, t0)).isAvailable).toBe(true);
		await setAvailableElsewhere(doctor.id, false);
		expect((await doctorRoute(env, doctor.id, t0 + ROUTE_TTL_MS)).isAvailable).toBe(false);
		await setAvailableElsewhere(doctor.id, true);
		forgetDoctorRoute(doctor.id);
		expect((await doctorRoute(env, doctor.id, t0 + ROUTE_TTL_MS)).isAvailable).toBe(true);
	});

	it("counts a read it waits on as a call before the answer, and a background one as after it", async () => {
		const traced = { ...env, HOP_TRACE: "on" };
		const doctor = await createDoctor();
		const t0 = Date.now();
		takeHops();
		await doctorRoute(traced, doctor.id, t0);
		await doctorRoute(traced, doctor.id, t0 + ROUTE_TTL_MS / 2);
		expect(takeHops().hops.map((h) => [h.kind, h.phase])).toEqual([
			["worker→D1", "before"],
			["worker→D1", "after"],
		]);
	});
});
