// The Worker's remote calls per request, counted by src/lib/hops.ts: one call to the owning object when the
// doctor's routing record is cached, and no D1 on the way to the answer. The Worker runs here with
// HOP_TRACE on; the objects keep the pool's env (off), so only the Worker's own calls are counted.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { type HopKind, takeHops } from "../../src/lib/hops";
import { type Call, readCall } from "../fixtures";
import { ADMIN, api, at, bearer, createDoctor, createPatient, createPatients, inDays } from "../helpers";

const traced = { ...env, HOP_TRACE: "on" };

async function call(
	method: string,
	path: string,
	options: { body?: unknown; headers?: Record<string, string>; env?: Env } = {},
): Promise<Call> {
	const headers = { "content-type": "application/json", ...options.headers };
	const body = options.body === undefined ? undefined : JSON.stringify(options.body);
	const ctx = createExecutionContext();
	const response = await worker.fetch(
		new Request(`http://docslot.test${path}`, { method, headers, body }),
		options.env ?? traced,
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return readCall(response);
}

/** The Worker's calls since the last take, by kind (only "before" ones: the Worker delivers nothing). */
function counted(): Partial<Record<HopKind, number>> {
	const counts: Partial<Record<HopKind, number>> = {};
	for (const hop of takeHops().hops) {
		expect(hop.phase).toBe("before");
		counts[hop.kind] = (counts[hop.kind] ?? 0) + 1;
	}
	return counts;
}

const ONE_OBJECT_CALL = { "worker→object": 1 };

describe("hops: the Worker's remote calls per request", () => {
	beforeEach(() => {
		takeHops();
	});

	it("books with one object call and no D1 once the routing record is cached; the first reads it", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(2);
		const book = (time: string) =>
			call("POST", "/api/appointments", {
				headers: { ...bearer(patient.token), "idempotency-key": crypto.randomUUID() },
				body: { doctor_id: doctor.id, start: at(date, time) },
			});
		// This isolate's revocation list is read once per 30 s for every account (token-versions.test.ts).
		expect((await api("GET", "/api/me", { headers: bearer(patient.token) })).status).toBe(200);
		takeHops();
		expect((await book("09:00")).status).toBe(201);
		expect(counted()).toEqual({ "worker→D1": 1, "worker→object": 1 });
		const booked = await book("10:00");
		expect(booked.status).toBe(201);
		expect(counted()).toEqual(ONE_OBJECT_CALL);

		const cancelled = await call("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
			headers: bearer(patient.token),
		});
		expect(cancelled.status).toBe(200);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
	});

	it("joins, reads, declines and leaves a waitlist entry with one object call each", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [booker, patient] = await createPatients(2);
		const date = inDays(2);
		const start = at(date, "09:00");
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(booker?.token ?? ""),
			body: { doctor_id: doctor.id, start },
		});
		expect(booked.status).toBe(201);
		const headers = bearer(patient?.token ?? "");
		expect((await api("GET", "/api/me", { headers })).status).toBe(200);
		await call("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		takeHops();
		const joined = await call("POST", "/api/waitlist", {
			headers,
			body: { doctor_id: doctor.id, date, start },
		});
		expect(joined.status).toBe(201);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
		const id = joined.body.entry.id;
		await call("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
			headers: bearer(booker?.token ?? ""),
		});
		takeHops();
		for (const [method, path] of [
			["GET", `/api/waitlist/${id}`],
			["POST", `/api/waitlist/${id}/decline`],
			["DELETE", `/api/waitlist/${id}`],
			["POST", `/api/waitlist/${id}/accept`],
		] as const) {
			expect((await call(method, path, { headers })).status).toBeLessThan(410);
			expect(counted()).toEqual(ONE_OBJECT_CALL);
		}
	});

	it("reschedules with one call to the old day's object (its saga calls the new day: object→object, not counted here)", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const booked = await call("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);
		takeHops();
		const sameDay = await call("POST", `/api/appointments/${booked.body.appointment.id}/reschedule`, {
			headers: bearer(patient.token),
			body: { start: at(inDays(2), "10:00") },
		});
		expect(sameDay.status).toBe(200);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
		const otherDay = await call("POST", `/api/appointments/${sameDay.body.appointment.id}/reschedule`, {
			headers: bearer(patient.token),
			body: { start: at(inDays(3), "10:00") },
		});
		expect(otherDay.status).toBe(200);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
	});

	it("books, reads and cancels a series with one call to the doctor's object (a series is N doctor-days by nature: that object calls each, object→object)", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const body = { doctor_id: doctor.id, start: at(inDays(2), "09:00"), every_weeks: 1, count: 3 };
		// The routing record is read once (as for a booking); then each call is one object call.
		expect(
			(await call("POST", "/api/appointment-series", { headers: bearer(patient.token), body })).status,
		).toBe(201);
		takeHops();
		const booked = await call("POST", "/api/appointment-series", {
			headers: bearer(patient.token),
			body: { ...body, start: at(inDays(2), "10:00") },
		});
		expect(booked.status).toBe(201);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
		const path = `/api/appointment-series/${booked.body.series.id}`;
		expect((await call("GET", path, { headers: bearer(patient.token) })).status).toBe(200);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
		expect((await call("POST", `${path}/cancel`, { headers: bearer(patient.token) })).status).toBe(200);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
	});

	it("books a family with one object call: who may be booked is read from the ids, not D1", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const patient = await createPatient();
		const added = await call("POST", "/api/me/dependents", {
			headers: bearer(patient.token),
			body: { name: "Ada" },
		});
		expect(added.status).toBe(201);
		const first = await call("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(first.status).toBe(201);
		takeHops();
		const family = await call("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: {
				doctor_id: doctor.id,
				start: at(inDays(2), "10:00"),
				patient_ids: [patient.id, added.body.dependent.id],
			},
		});
		expect(family.status, JSON.stringify(family.body)).toBe(201);
		expect(counted()).toEqual(ONE_OBJECT_CALL);
	});

	it("reads a day, a 62-day range and a slot with one object call each", async () => {
		const doctor = await createDoctor();
		const date = inDays(2);
		const reads = [
			() => call("GET", `/api/doctors/${doctor.id}/availability/date/${date}`),
			() => call("GET", `/api/doctors/${doctor.id}/availability?from=${inDays(0)}&to=${inDays(61)}`),
			() => call("POST", `/api/doctors/${doctor.id}/slots/check`, { body: { start: at(date, "11:00") } }),
		];
		expect((await reads[0]?.())?.status).toBe(200);
		takeHops();
		for (const read of reads) {
			expect((await read()).status).toBe(200);
			expect(counted()).toEqual(ONE_OBJECT_CALL);
		}
	});

	/** A capacity-1 doctor's day with two of its 16 slots free, so it alone cannot offer five alternatives. */
	async function nearlyFullDay() {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const other = await createPatient();
		const date = inDays(2);
		// The admin books them for the patient (a patient booking for themself may take only four places of a day).
		for (let hour = 9; hour < 16; hour++) {
			for (const minutes of ["00", "30"]) {
				const booked = await call("POST", "/api/appointments", {
					headers: ADMIN,
					body: {
						doctor_id: doctor.id,
						start: at(date, `${String(hour).padStart(2, "0")}:${minutes}`),
						patient_id: patient.id,
					},
				});
				expect(booked.status).toBe(201);
			}
		}
		const refused = () =>
			call("POST", "/api/appointments", {
				headers: bearer(other.token),
				body: { doctor_id: doctor.id, start: at(date, "09:00") },
			});
		return { refused };
	}

	it("answers SLOT_FULL with at most one more call, to the doctor's object, when the day has few free places", async () => {
		const { refused } = await nearlyFullDay();
		takeHops();
		const full = await refused();
		expect(full.status).toBe(409);
		expect(full.body.error.code).toBe("SLOT_FULL");
		expect(full.body.error.alternatives.length).toBe(5);
		expect(counted()).toEqual({ "worker→object": 2 });
	});

	it("asks the doctor's object once for a storm of refusals on one day, and again a second later", async () => {
		const { refused } = await nearlyFullDay();
		takeHops();
		const storm = await Promise.all(Array.from({ length: 20 }, refused));
		expect(storm.map((r) => [r.status, r.body.error.alternatives.length])).toEqual(
			Array.from({ length: 20 }, () => [409, 5]),
		);
		expect(
			storm.every(
				(r) =>
					JSON.stringify(r.body.error.alternatives) === JSON.stringify(storm[0]?.body.error.alternatives),
			),
		).toBe(true);
		// 20 calls to the day, 1 to the doctor's object between them.
		expect(counted()).toEqual({ "worker→object": 21 });
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		expect((await refused()).status).toBe(409);
		expect(counted()).toEqual({ "worker→object": 2 });
	});

	it("counts nothing, and has no debug route, while tracing is off", async () => {
		const doctor = await createDoctor();
		expect(
			(await call("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(2)}`, { env })).status,
		).toBe(200);
		expect(takeHops().hops).toEqual([]);
		const route = await call("GET", "/api/_debug/hops", { headers: ADMIN, env });
		expect(route.status).toBe(404);
		expect(route.body.error.code).toBe("NOT_FOUND");
	});

	it("serves the log to admins only, and resets it", async () => {
		const doctor = await createDoctor();
		await call("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(2)}`);
		expect((await call("GET", "/api/_debug/hops")).status).toBe(401);
		const first = await call("GET", "/api/_debug/hops", { headers: ADMIN });
		expect(first.status).toBe(200);
		expect(first.body.hops.map((h: { site: string }) => h.site)).toContain("availability.day");
		const second = await call("GET", "/api/_debug/hops", { headers: ADMIN });
		expect(second.body).toEqual({ hops: [], dropped: 0 });
	});
});
