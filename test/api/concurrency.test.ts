// Many simultaneous requests through the Worker: the counts must be exact, never "about right".
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatients, inDays } from "../helpers";

function book(token: string, doctorId: string, start: string, headers: Record<string, string> = {}) {
	return api("POST", "/api/appointments", {
		headers: { ...bearer(token), ...headers },
		body: { doctor_id: doctorId, start },
	});
}

function codes(calls: Array<{ status: number; body: { error?: { code: string } } }>) {
	const tally: Record<string, number> = {};
	for (const call of calls) {
		const key = call.status === 201 ? "201" : `${call.status} ${call.body.error?.code}`;
		tally[key] = (tally[key] ?? 0) + 1;
	}
	return tally;
}

describe("simultaneous bookings of one slot", () => {
	it("gives exactly 5 of 200 attempts on a capacity-5 slot, and the day reads back exact", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const date = inDays(5);
		const start = at(date, "11:00");
		const patients = await createPatients(200);
		const calls = await Promise.all(patients.map((p) => book(p.token, doctor.id, start)));
		expect(codes(calls)).toEqual({ "201": 5, "409 SLOT_FULL": 195 });
		const refused = calls.find((c) => c.status === 409);
		expect(refused?.body.error).toMatchObject({ current_bookings: 5, max_capacity: 5 });
		expect(refused?.body.error.alternatives).toHaveLength(5);
		for (const alternative of refused?.body.error.alternatives ?? [])
			expect(alternative.status).toBe("available");

		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		const slot = day.body.slots.find((s: { start: string }) => s.start === start);
		expect(slot).toMatchObject({ capacity: 5, booked: 5, remaining: 0, status: "full" });
		expect(day.body.booked_count).toBe(1);
		const winners = calls.filter((c) => c.status === 201).map((c) => c.body.appointment.patient_id);
		expect(new Set(winners).size).toBe(5);

		const index = await api("GET", `/api/appointments?from=${date}&to=${date}`, { headers: ADMIN });
		const confirmed = index.body.appointments.filter(
			(a: { doctor_id: string; status: string }) => a.doctor_id === doctor.id && a.status === "confirmed",
		);
		expect(confirmed).toHaveLength(5);
	});

	it("gives exactly 1 of 50 attempts on a capacity-1 slot", async () => {
		const doctor = await createDoctor();
		const date = inDays(6);
		const start = at(date, "09:30");
		const patients = await createPatients(50);
		const calls = await Promise.all(patients.map((p) => book(p.token, doctor.id, start)));
		expect(codes(calls)).toEqual({ "201": 1, "409 SLOT_FULL": 49 });
	});

	it("answers concurrent retries with one Idempotency-Key with one appointment", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const date = inDays(7);
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("no patient");
		const key = { "idempotency-key": `retry-${doctor.id}` };
		const calls = await Promise.all(
			Array.from({ length: 30 }, () => book(patient.token, doctor.id, at(date, "14:00"), key)),
		);
		expect(codes(calls)).toEqual({ "201": 30 });
		const ids = new Set(calls.map((c) => c.body.appointment.id));
		expect(ids.size).toBe(1);
		expect(calls.filter((c) => c.headers.get("idempotent-replayed") === "true")).toHaveLength(29);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots.find((s: { time: string }) => s.time === "14:00")).toMatchObject({ booked: 1 });

		// The same key for another booking of that day is refused; for another doctor-day it is that
		// day's own key (see test/reliability/idempotency.test.ts).
		const other = await book(patient.token, doctor.id, at(date, "15:00"), key);
		expect([other.status, other.body.error?.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
	});

	it("lets 100 patients race for the 16 slots of a capacity-2 day and fills each exactly", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const date = inDays(9);
		const patients = await createPatients(100);
		const starts = Array.from({ length: 16 }, (_, i) =>
			at(date, `${String(9 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`),
		);
		const calls = await Promise.all(
			patients.map((p, i) => book(p.token, doctor.id, starts[i % starts.length] as string)),
		);
		expect(calls.filter((c) => c.status === 201)).toHaveLength(32);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots.every((s: { booked: number }) => s.booked === 2)).toBe(true);
	});

	it("frees a place exactly once when one appointment is cancelled many times at once", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const date = inDays(10);
		const start = at(date, "15:00");
		const [first, second, third, fourth] = await createPatients(4);
		if (!first || !second || !third || !fourth) throw new Error("patients");
		const a = await book(first.token, doctor.id, start);
		await book(second.token, doctor.id, start);
		const cancels = await Promise.all(
			Array.from({ length: 20 }, () =>
				api("POST", `/api/appointments/${a.body.appointment.id}/cancel`, { headers: bearer(first.token) }),
			),
		);
		expect(cancels.every((c) => c.status === 200 && c.body.appointment.status === "cancelled")).toBe(true);
		const rebook = await Promise.all([
			book(third.token, doctor.id, start),
			book(fourth.token, doctor.id, start),
		]);
		expect(codes(rebook)).toEqual({ "201": 1, "409 SLOT_FULL": 1 });
	});
});

describe("one patient racing for a whole day", () => {
	it("gets exactly 4 of 16 simultaneous bookings of different slots: PATIENT_DAY_LIMIT for the rest", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const date = inDays(6);
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("no patient");
		const times = Array.from({ length: 16 }, (_, i) => {
			const minutes = 9 * 60 + 30 * i;
			return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${minutes % 60 === 0 ? "00" : "30"}`;
		});
		const calls = await Promise.all(times.map((time) => book(patient.token, doctor.id, at(date, time))));
		expect(codes(calls)).toEqual({ "201": 4, "409 PATIENT_DAY_LIMIT": 12 });
		// An admin may still book for them, beyond the limit (an urgent case at the front desk).
		const forThem = await api("POST", "/api/appointments", {
			headers: ADMIN,
			body: { doctor_id: doctor.id, start: at(date, "16:30"), patient_id: patient.id },
		});
		expect(forThem.status === 201 || forThem.body.error?.code === "ALREADY_BOOKED").toBe(true);
	});
});
