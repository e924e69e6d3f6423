// /api/appointment-series end to end through the Worker: the answer's shape, who may read and cancel a
// series, bad input, the 409 listing each conflicting occurrence, a retried Idempotency-Key, and cancel.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatients, inDays, type TestPatient } from "../helpers";

const post = (patient: TestPatient, body: Record<string, unknown>, key?: string) =>
	api("POST", "/api/appointment-series", {
		headers: { ...bearer(patient.token), ...(key === undefined ? {} : { "idempotency-key": key }) },
		body,
	});

async function bookedAt(doctorId: string, date: string, time: string): Promise<number> {
	const day = await api("GET", `/api/doctors/${doctorId}/availability/date/${date}`);
	const slot = day.body.slots.find((s: { time: string }) => s.time === time);
	return slot.booked + slot.held;
}

describe("POST /api/appointment-series", () => {
	it("answers 201 with every occurrence, every 2 weeks; a retry with the key answers the same series", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient] = (await createPatients(1)) as [TestPatient];
		const body = {
			doctor_id: doctor.id,
			start: at(inDays(3), "11:00"),
			every_weeks: 2,
			count: 3,
			consultation_mode: "video",
			reason: "check-up",
		};
		const key = crypto.randomUUID();
		const made = await post(patient, body, key);
		expect(made.status).toBe(201);
		const { series } = made.body;
		expect(series).toMatchObject({ doctor_id: doctor.id, patient_id: patient.id, every_weeks: 2, count: 3 });
		expect(series.appointments).toHaveLength(3);
		for (const [k, a] of series.appointments.entries())
			expect(a).toMatchObject({
				start: at(inDays(3 + 14 * k), "11:00"),
				status: "confirmed",
				consultation_mode: "video",
				reason: "check-up",
				series_id: series.id,
			});
		const again = await post(patient, body, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(again.body.series.id).toBe(series.id);
		expect(await bookedAt(doctor.id, inDays(17), "11:00")).toBe(1);
		const reused = await post(patient, { ...body, count: 2 }, key);
		expect([reused.status, reused.body.error.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
	});

	it("refuses bad input with a clear 4xx in the error shape, and books nothing", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient] = (await createPatients(1)) as [TestPatient];
		const good = { doctor_id: doctor.id, start: at(inDays(3), "12:00"), every_weeks: 1, count: 2 };
		const cases: [Record<string, unknown>, number, string][] = [
			[{ ...good, every_weeks: 0 }, 400, "VALIDATION_ERROR"],
			[{ ...good, every_weeks: 5 }, 400, "VALIDATION_ERROR"],
			[{ ...good, every_weeks: 1.5 }, 400, "VALIDATION_ERROR"],
			[{ ...good, count: 1 }, 400, "VALIDATION_ERROR"],
			[{ ...good, count: 27 }, 400, "VALIDATION_ERROR"],
			[{ ...good, start: "next week" }, 400, "VALIDATION_ERROR"],
			[{ ...good, extra: true }, 400, "VALIDATION_ERROR"],
			[{ ...good, start: at(inDays(-1), "12:00") }, 409, "SLOT_IN_PAST"],
			[{ ...good, doctor_id: "no-such-doctor" }, 404, "DOCTOR_NOT_FOUND"],
		];
		for (const [body, status, code] of cases) {
			const refused = await post(patient, body);
			expect([refused.status, refused.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
			expect(typeof refused.body.error.message).toBe("string");
		}
		expect(await bookedAt(doctor.id, inDays(3), "12:00")).toBe(0);
		const byDoctor = await api("POST", "/api/appointment-series", {
			headers: bearer(doctor.token),
			body: good,
		});
		expect([byDoctor.status, byDoctor.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const anonymous = await api("POST", "/api/appointment-series", { body: good });
		expect(anonymous.status).toBe(401);
	});

	it("answers 409 SERIES_CONFLICT listing each conflicting occurrence with its code and alternatives; nothing is kept", async () => {
		const doctor = await createDoctor({ capacity: 1, horizon_days: 20 });
		const [patient, other] = (await createPatients(2)) as [TestPatient, TestPatient];
		const taken = await api("POST", "/api/appointments", {
			headers: bearer(other.token),
			body: { doctor_id: doctor.id, start: at(inDays(10), "13:00") },
		});
		expect(taken.status).toBe(201);
		// Weekly from day 3: day 10 is full, day 24 is beyond the 20-day horizon.
		const refused = await post(patient, {
			doctor_id: doctor.id,
			start: at(inDays(3), "13:00"),
			every_weeks: 1,
			count: 4,
		});
		expect(refused.status).toBe(409);
		expect(refused.body.error).toMatchObject({ code: "SERIES_CONFLICT" });
		expect(typeof refused.body.error.message).toBe("string");
		expect(refused.body.error.conflicts).toEqual([
			{ start: at(inDays(24), "13:00"), code: "DAY_UNAVAILABLE", alternatives: [] },
		]);
		// Inside the horizon, the full day is the conflict; its alternatives are the day's nearest free slots.
		const full = await post(patient, {
			doctor_id: doctor.id,
			start: at(inDays(3), "13:00"),
			every_weeks: 1,
			count: 3,
		});
		expect(full.status).toBe(409);
		const [conflict, ...rest] = full.body.error.conflicts;
		expect(rest).toEqual([]);
		expect(conflict).toMatchObject({ start: at(inDays(10), "13:00"), code: "SLOT_FULL" });
		expect(conflict.alternatives.length).toBe(5);
		expect(conflict.alternatives[0]).toMatchObject({ status: "available" });
		expect(
			conflict.alternatives
				.slice(0, 2)
				.map((s: { time: string }) => s.time)
				.sort(),
		).toEqual(["12:30", "13:30"]);
		for (const [date, booked] of [
			[inDays(3), 0],
			[inDays(10), 1],
			[inDays(17), 0],
		] as const)
			expect(await bookedAt(doctor.id, date, "13:00")).toBe(booked);
	});
});

describe("GET /api/appointment-series/:id and POST …/cancel", () => {
	it("shows the series to its patient, its doctor and admin; cancel ends the remaining ones, harmless twice", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, stranger] = (await createPatients(2)) as [TestPatient, TestPatient];
		const made = await post(patient, {
			doctor_id: doctor.id,
			start: at(inDays(4), "14:00"),
			every_weeks: 1,
			count: 3,
		});
		expect(made.status).toBe(201);
		const path = `/api/appointment-series/${made.body.series.id}`;
		for (const headers of [bearer(patient.token), bearer(doctor.token), ADMIN]) {
			const read = await api("GET", path, { headers });
			expect(read.status).toBe(200);
			expect(read.body.series).toEqual(made.body.series);
		}
		expect((await api("GET", path, { headers: bearer(stranger.token) })).body.error.code).toBe("FORBIDDEN");
		expect((await api("POST", `${path}/cancel`, { headers: bearer(stranger.token) })).status).toBe(403);
		const forged = `${doctor.id}.s0123456789abcdef0123456789abcdef`;
		const missing = await api("GET", `/api/appointment-series/${forged}`, { headers: bearer(patient.token) });
		expect([missing.status, missing.body.error.code]).toEqual([404, "NOT_FOUND"]);

		const cancelled = await api("POST", `${path}/cancel`, { headers: bearer(patient.token) });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.series.appointments.map((a: { status: string }) => a.status)).toEqual([
			"cancelled",
			"cancelled",
			"cancelled",
		]);
		for (const k of [0, 1, 2]) expect(await bookedAt(doctor.id, inDays(4 + 7 * k), "14:00")).toBe(0);
		const twice = await api("POST", `${path}/cancel`, { headers: bearer(patient.token) });
		expect(twice.status).toBe(200);
		expect(twice.body.series).toEqual(cancelled.body.series);
		const read = await api("GET", path, { headers: bearer(patient.token) });
		expect(read.body.series).toEqual(cancelled.body.series);
	});
});
