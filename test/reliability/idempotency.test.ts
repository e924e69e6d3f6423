// Idempotency keys through the Worker, under concurrency: one user's requests carrying one Idempotency-Key,
// fired at once, some repeating the same booking (retries) and some asking for another doctor-day (reuse).
// However they interleave, one key stands for at most one appointment: every 201 answers the same one, the
// others are 409 IDEMPOTENCY_KEY_REUSED, and the objects and the index hold exactly that one appointment.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { dayConfigFor, loadDoctorRecord } from "../../src/api/doctor-records";
import { claimIdempotencyKey, settleClaim } from "../../src/api/idempotency";
import { doctorDay } from "../../src/doctor-day/stub";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays, type TestDoctor } from "../helpers";
import { runs, timeLimit } from "./scale";

/** Two doctors; a request asks for one of their days on one of three dates, all at the run's time. */
let doctors: TestDoctor[] = [];
const target = fc.record({ doctor: fc.nat(1), day: fc.nat(2) });
let keys = 0;

/** 09:00 … 16:30: each run books its own time, so no day fills up however many runs there are. */
const timeOf = (run: number) => {
	const minutes = 9 * 60 + 30 * (run % 16);
	return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${minutes % 60 === 0 ? "00" : "30"}`;
};

beforeAll(async () => {
	// The most places a slot may have, so soak runs sharing a time never meet a full slot.
	doctors = await Promise.all([createDoctor({ capacity: 1000 }), createDoctor({ capacity: 1000 })]);
});

describe("one Idempotency-Key stands for one appointment, however requests race", () => {
	it(
		"concurrent retries and reuses of one key across doctor-days",
		async () => {
			await fc.assert(
				fc.asyncProperty(fc.array(target, { minLength: 2, maxLength: 6 }), async (targets) => {
					const patient = await createPatient();
					const run = ++keys;
					const key = `race-${run}-${Date.now()}`;
					const bodies = targets.map((t) => ({
						doctor_id: (doctors[t.doctor] as TestDoctor).id,
						start: at(inDays(2 + t.day), timeOf(run)),
					}));
					const calls = await Promise.all(
						bodies.map((body) =>
							api("POST", "/api/appointments", {
								headers: { ...bearer(patient.token), "idempotency-key": key },
								body,
							}),
						),
					);
					const summary = JSON.stringify(calls.map((c, i) => [bodies[i], c.status, c.body?.error?.code]));
					const ids = new Set(calls.filter((c) => c.status === 201).map((c) => c.body.appointment.id));
					expect(ids.size, `one appointment per key: ${summary}`).toBe(1);
					for (const c of calls.filter((c) => c.status !== 201))
						expect([c.status, c.body.error.code], summary).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
					const listed = await api("GET", "/api/appointments", { headers: bearer(patient.token) });
					expect(
						listed.body.appointments.map((a: { id: string }) => a.id),
						summary,
					).toEqual([...ids]);
				}),
				runs(15),
			);
		},
		timeLimit(60_000),
	);

	it("two bookings of different doctor-days sent at once with one key: one 201, one 409 IDEMPOTENCY_KEY_REUSED", async () => {
		const patient = await createPatient();
		const key = { ...bearer(patient.token), "idempotency-key": `same-key-${Date.now()}` };
		const calls = await Promise.all(
			[inDays(20), inDays(21)].map((date) =>
				api("POST", "/api/appointments", {
					headers: key,
					body: { doctor_id: (doctors[0] as TestDoctor).id, start: at(date, "11:00") },
				}),
			),
		);
		expect(calls.map((c) => c.status).sort()).toEqual([201, 409]);
		const index = await api("GET", `/api/appointments?from=${inDays(20)}&to=${inDays(21)}`, {
			headers: ADMIN,
		});
		const held = index.body.appointments.filter((a: { patient_id: string }) => a.patient_id === patient.id);
		expect(held).toHaveLength(1);
	});

	it("a refused booking changes nothing: its key stays free for the next booking", async () => {
		const [holder, patient] = await Promise.all([createPatient(), createPatient()]);
		const doctor = doctors[0] as TestDoctor;
		const date = inDays(22);
		const full = await createDoctor({ capacity: 1 });
		const taken = await api("POST", "/api/appointments", {
			headers: bearer(holder.token),
			body: { doctor_id: full.id, start: at(date, "09:00") },
		});
		expect(taken.status).toBe(201);
		const key = { ...bearer(patient.token), "idempotency-key": `refused-${Date.now()}` };
		const refused = await api("POST", "/api/appointments", {
			headers: key,
			body: { doctor_id: full.id, start: at(date, "09:00") },
		});
		expect([refused.status, refused.body.error.code]).toEqual([409, "SLOT_FULL"]);
		// The refused request stored nothing, so the same key books the alternative the patient picks next.
		const next = await api("POST", "/api/appointments", {
			headers: key,
			body: { doctor_id: doctor.id, start: at(date, "09:30") },
		});
		expect([next.status, next.body?.error?.code], JSON.stringify(next.body)).toEqual([201, undefined]);
	});

	it("a refused twin does not free the key of a booking made under it", async () => {
		// The interleaving: twin B (same key and slot, another reason) found A's claim and booked, but has
		// not put the claim back yet; A is refused IDEMPOTENCY_KEY_REUSED and must leave the claim bound.
		const patient = await createPatient();
		const doctor = doctors[1] as TestDoctor;
		const date = inDays(23);
		const start = at(date, "10:00");
		const key = `twin-${Date.now()}`;
		const record = await loadDoctorRecord(env.DB, doctor.id, date, date);
		const twin = await doctorDay(env, doctor.id, date).book(dayConfigFor(record, date), {
			patientId: patient.id,
			bookedBy: patient.id,
			start: Date.parse(start),
			consultationMode: "in_person",
			reason: "twin B",
			idempotencyKey: key,
		});
		expect(twin.ok).toBe(true);
		const headers = { ...bearer(patient.token), "idempotency-key": key };
		const refused = await api("POST", "/api/appointments", {
			headers,
			body: { doctor_id: doctor.id, start, reason: "request A" },
		});
		expect([refused.status, refused.body.error.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
		// The key stands for B's appointment, so it cannot book another day.
		const elsewhere = await api("POST", "/api/appointments", {
			headers,
			body: { doctor_id: doctor.id, start: at(inDays(24), "10:00"), reason: "twin B" },
		});
		expect([elsewhere.status, elsewhere.body?.error?.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
	});

	it("a refused request re-binds the key when a twin booked under it meanwhile", async () => {
		// A's object call found nothing (refused), then twin B booked and put its claim back before A's
		// release: A's re-check after the delete sees B's booking and binds the key again.
		const patient = await createPatient();
		const doctor = doctors[1] as TestDoctor;
		const date = inDays(25);
		const start = at(date, "10:00");
		const key = `late-twin-${Date.now()}`;
		const claim = {
			bookedBy: patient.id,
			key,
			doctorId: doctor.id,
			start,
		};
		const a = await claimIdempotencyKey(env.DB, claim);
		const b = await claimIdempotencyKey(env.DB, claim);
		expect([a.isNew, b.isNew]).toEqual([true, false]);
		const bound = () =>
			env.DB.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE booked_by = ? AND key = ?")
				.bind(patient.id, key)
				.first<{ n: number }>("n");
		await settleClaim(env.DB, b, true, async () => true); // B booked: keeps (puts back) the binding
		await settleClaim(env.DB, a, false, async () => true); // A refused, but the object holds B's booking
		expect(await bound()).toBe(1);
		await settleClaim(env.DB, a, false, async () => false); // nothing held under the key: freed
		expect(await bound()).toBe(0);
		await settleClaim(env.DB, b, true, async () => true); // B's put-back after A's release
		expect(await bound()).toBe(1);
	});
});
