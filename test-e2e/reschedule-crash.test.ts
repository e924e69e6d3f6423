// A reschedule saga killed (kill -9 of the whole runtime) at each of its steps, against the real service.
// SAGA_FAULTS (src/doctor-day/saga-faults.ts) stops saga n right after its step n: 1 begun, 2 new place
// held, 3 new appointment confirmed, 4 old one released (the answer lost). Then kill -9, a restart with the
// faults off, and a retry of each with its Idempotency-Key: for each saga exactly one of its two
// appointments is confirmed, and exactly one place is taken. The saga's alarm retries after 5 s, so the
// crash states are checked right after the requests (well inside that time).
import { afterAll, describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays, patientToken } from "./client";
import { startServer, type TestServer } from "./server";

interface Saga {
	id: string;
	token: string;
	key: string;
	date: string;
	time: string;
}

describe("a reschedule saga killed at each step", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("ends with exactly one of the two confirmed once retried, whichever step the crash hit", async () => {
		server = await startServer({ vars: { SAGA_FAULTS: "s1-=1,s2-=2,s3-=3,s4-=4" } });
		const s = server;
		const doctor = await createDoctor({ baseUrl: s.baseUrl, adminToken: s.adminToken }, { capacity: 1 });
		const [from, to] = [inDays(2), inDays(3)];

		const begin = async (n: number, time: string): Promise<Saga> => {
			const token = await patientToken(s.authSecret, `saga-${n}-${crypto.randomUUID()}`);
			const booked = await api(s.baseUrl, "POST", "/api/appointments", {
				token,
				body: { doctor_id: doctor.id, start: at(from, time) },
			});
			expect(booked.status).toBe(201);
			return {
				id: booked.body.appointment.id,
				token,
				key: `s${n}-${crypto.randomUUID()}`,
				date: to,
				time,
			};
		};
		const move = (saga: Saga) =>
			api(s.baseUrl, "POST", `/api/appointments/${saga.id}/reschedule`, {
				token: saga.token,
				headers: { "idempotency-key": saga.key },
				body: { start: at(saga.date, saga.time) },
			});
		const status = async (saga: Saga, id = saga.id) =>
			(await api(s.baseUrl, "GET", `/api/appointments/${id}`, { token: saga.token })).body.appointment
				?.status;
		const booked = async (date: string, time: string) => {
			const day = await api(s.baseUrl, "GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
			return day.body.slots.find((slot: { time: string }) => slot.time === time).booked as number;
		};

		// Saga n stops right after its step n (its key starts "s<n>-"): all four crash states at once.
		const sagas = await Promise.all([1, 2, 3, 4].map((n) => begin(n, `1${n}:00`)));
		for (const [i, saga] of sagas.entries())
			expect((await move(saga)).status, `saga ${i + 1} stopped after step ${i + 1}`).toBe(500);
		// Before the kill: the new place is taken only once confirmed; the old one goes only after that.
		expect(await Promise.all(sagas.map((saga) => booked(to, saga.time)))).toEqual([0, 0, 1, 1]);
		expect(await Promise.all(sagas.map((saga) => status(saga)))).toEqual([
			"confirmed",
			"confirmed",
			"confirmed",
			"rescheduled",
		]);
		await s.kill9();
		await s.restart({ SAGA_FAULTS: "off" });

		// A retry with the same key finishes each (unless the object's alarm did first: then it answers it).
		for (const saga of sagas) {
			const done = await move(saga);
			expect(done.status, JSON.stringify(done.body)).toBe(200);
			expect(done.body.previous).toMatchObject({ id: saga.id, status: "rescheduled" });
			expect(await status(saga)).toBe("rescheduled");
			expect(await status(saga, done.body.appointment.id)).toBe("confirmed");
			expect(await booked(to, saga.time), `${saga.key}: one new place`).toBe(1);
			expect(await booked(from, saga.time), `${saga.key}: the old place freed`).toBe(0);
		}
	}, 40_000);
});
