// Headers every answer carries: Cache-Control that keeps personal answers out of caches, and our request id.
import { describe, expect, it } from "vitest";
import { ADMIN, api, bearer, createDoctor, createPatient, unique } from "../helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("Cache-Control", () => {
	it("is no-store on answers to signed-in callers, whatever the route", async () => {
		const patient = await createPatient();
		const doctor = await createDoctor();
		for (const [path, headers] of [
			["/api/appointments", bearer(patient.token)],
			["/api/doctors", ADMIN],
			[`/api/doctors/${doctor.id}`, ADMIN],
			[`/api/doctors/${doctor.id}/unavailability?from=2030-01-01&to=2030-01-02`, bearer(doctor.token)],
			["/api/nothing/here", bearer(patient.token)],
			["/embed?doctor=x", bearer(patient.token)],
			["/", bearer(patient.token)],
		] as const) {
			const call = await api("GET", path, { headers });
			expect([path, call.headers.get("cache-control")]).toEqual([path, "no-store"]);
		}
	});

	it("is no-store on refusals of a bad token and on every answer carrying or checking credentials", async () => {
		const email = `${unique("cc")}@x.test`;
		const calls = [
			await api("GET", "/api/appointments", { headers: { authorization: "Bearer not-a-token" } }),
			await api("GET", "/api/doctors/anyone/live?token=not-a-token"),
			await api("POST", "/api/auth/register", { body: { email, password: "long-enough-1", name: "C" } }),
			await api("POST", "/api/auth/login", { body: { email, password: "long-enough-1" } }),
			await api("POST", "/api/auth/login", { body: { email, password: "wrong-password" } }),
		];
		expect(calls.map((c) => [c.status, c.headers.get("cache-control")])).toEqual([
			[401, "no-store"],
			[401, "no-store"],
			[201, "no-store"],
			[200, "no-store"],
			[401, "no-store"],
		]);
	});

	it("is no-store on anonymous API answers too, which are live data", async () => {
		const doctor = await createDoctor();
		for (const path of ["/api/doctors", `/api/doctors/${doctor.id}/availability/date/2030-01-01`]) {
			expect((await api("GET", path)).headers.get("cache-control")).toBe("no-store");
		}
	});

	it("leaves anonymous pages to their own caching", async () => {
		const page = await api("GET", "/embed?doctor=x");
		expect(page.status).toBe(200);
		expect(page.headers.get("cache-control")).not.toBe("no-store");
	});
});

describe("X-Request-Id", () => {
	it("is a fresh UUID of ours on every answer, never the client's cf-ray", async () => {
		const ray = "8f1a2b3c4d5e6f70-LHR";
		const first = await api("GET", "/api/doctors", { headers: { "cf-ray": ray } });
		const second = await api("GET", "/api/doctors", { headers: { "cf-ray": ray } });
		const ids = [first, second].map((c) => c.headers.get("x-request-id"));
		expect(ids[0]).toMatch(UUID);
		expect(ids[1]).toMatch(UUID);
		expect(ids[0]).not.toBe(ids[1]);
	});
});
