// Idempotency keys through the Worker, under concurrency. A key is remembered by the doctor-day object
// that owns the booking (for IDEMPOTENCY_KEY_TTL_MS): within one doctor-day one key stands for one
// booking, so retries always get the first appointment and a different booking under it is refused;
// the same key sent for another doctor-day is another key there (a retry always asks the same day, so it
// can never book twice what the client asked for once).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_TTL_MS } from "../../src/doctor-day/day-store";
import { doctorDay } from "../../src/doctor-day/stub";
import { api, at, bearer, type Call, createDoctor, createPatient, inDays, type TestDoctor } from "../helpers";
import { runs, timeLimit } from "./scale";

/** Two doctors; a request asks for one of their days on one of three dates, all at the run's time. */
let doctors: TestDoctor[] = [];
const target = fc.record({ doctor: fc.nat(1), day: fc.nat(2), reason: fc.nat(1) });
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

async function listedIds(token: string, expected: number): Promise<string[]> {
	// The list is a projection filled after each answer: wait (bounded) for it to catch up.
	const until = Date.now() + 5_000;
	for (;;) {
		const listed = await api("GET", "/api/appointments", { headers: bearer(token) });
		const ids = listed.body.appointments.map((a: { id: string }) => a.id).sort();
		if (ids.length >= expected || Date.now() > until) return ids;
		await scheduler.wait(10);
	}
}

describe("one Idempotency-Key stands for one booking per doctor-day, however requests race", () => {
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
						reason: `reason ${t.reason}`,
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
					const byDay = new Map<string, { calls: Call[]; bodies: typeof bodies }>();
					bodies.forEach((body, i) => {
						const day = `${body.doctor_id}:${body.start}`;
						const group = byDay.get(day) ?? { calls: [], bodies: [] };
						group.calls.push(calls[i] as Call);
						group.bodies.push(body);
						byDay.set(day, group);
					});
					const ids: string[] = [];
					for (const group of byDay.values()) {
						// Within one doctor-day: exactly one appointment; its own request's twins replay it,
						// requests with another body are refused.
						const booked = new Set(
							group.calls.filter((c) => c.status === 201).map((c) => c.body.appointment.id),
						);
						expect(booked.size, summary).toBe(1);
						const [id] = [...booked] as [string];
						ids.push(id);
						const first = group.calls.find((c) => c.status === 201)?.body.appointment;
						group.calls.forEach((c, i) => {
							const same = group.bodies[i]?.reason === first.reason;
							if (same) expect([c.status, c.body.appointment?.id], summary).toEqual([201, id]);
							else expect([c.status, c.body.error?.code], summary).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
						});
					}
					expect(await listedIds(patient.token, ids.length), summary).toEqual(ids.sort());
				}),
				runs(15),
			);
		},
		timeLimit(60_000),
	);

	it("the same key for two doctor-days at once books each once; a retry of each replays its own", async () => {
		const patient = await createPatient();
		const headers = { ...bearer(patient.token), "idempotency-key": `same-key-${Date.now()}` };
		const send = (date: string) =>
			api("POST", "/api/appointments", {
				headers,
				body: { doctor_id: (doctors[0] as TestDoctor).id, start: at(date, "11:00") },
			});
		const first = await Promise.all([send(inDays(20)), send(inDays(21))]);
		expect(first.map((c) => c.status)).toEqual([201, 201]);
		const retried = await Promise.all([send(inDays(20)), send(inDays(21)), send(inDays(20))]);
		expect(retried.map((c) => c.body.appointment.id)).toEqual([
			first[0]?.body.appointment.id,
			first[1]?.body.appointment.id,
			first[0]?.body.appointment.id,
		]);
		expect(retried.map((c) => c.headers.get("idempotent-replayed"))).toEqual(["true", "true", "true"]);
		expect(await listedIds(patient.token, 2)).toHaveLength(2);
	});

	it("a refused booking changes nothing: its key stays free for the next booking of that day", async () => {
		const [holder, patient] = await Promise.all([createPatient(), createPatient()]);
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
			body: { doctor_id: full.id, start: at(date, "09:30") },
		});
		expect([next.status, next.body?.error?.code], JSON.stringify(next.body)).toEqual([201, undefined]);
	});

	it("forgets keys after their time, by the day's alarm, so nothing grows without bound", async () => {
		const patient = await createPatient();
		const doctor = doctors[1] as TestDoctor;
		const date = inDays(23);
		const headers = { ...bearer(patient.token), "idempotency-key": `expiring-${Date.now()}` };
		const body = { doctor_id: doctor.id, start: at(date, "10:00") };
		const booked = await api("POST", "/api/appointments", { headers, body });
		expect(booked.status).toBe(201);
		const stub = doctorDay(env, doctor.id, date);
		const keyRows = () =>
			runInDurableObject(
				stub,
				(_i, state) => state.storage.sql.exec("SELECT count(*) AS n FROM idempotency_keys").one().n,
			);
		expect(await keyRows()).toBe(1);
		// A day later: the key's row is past its time; the alarm's expiry timer removes it.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec(
				"UPDATE idempotency_keys SET created_at = created_at - ?",
				IDEMPOTENCY_KEY_TTL_MS + 1,
			);
			state.storage.sql.exec("UPDATE timers SET due_at = 0 WHERE name = 'expire-keys'");
			return state.storage.setAlarm(Date.now() + 60_000);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await keyRows()).toBe(0);
		// The forgotten key is a new request now: the same body is refused as already booked, not replayed.
		const again = await api("POST", "/api/appointments", { headers, body });
		expect([again.status, again.body.error?.code]).toEqual([409, "ALREADY_BOOKED"]);
	});
});
