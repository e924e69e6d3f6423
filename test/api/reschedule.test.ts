// POST /api/appointments/:id/reschedule end to end through the Worker: the answer's shape, who may move an
// appointment, bad input, a full new slot, a retried Idempotency-Key, and concurrent reschedules of one.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DayStore } from "../../src/doctor-day/day-store";
import { doctorDay } from "../../src/doctor-day/stub";
import { mintDayId } from "../../src/lib/appointment-ids";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays, type TestPatient } from "../helpers";

async function book(doctorId: string, patient: TestPatient, date: string, time: string) {
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(patient.token),
		body: { doctor_id: doctorId, start: at(date, time) },
	});
	expect(booked.status).toBe(201);
	return booked.body.appointment as { id: string; start: string };
}

const move = (id: string, headers: Record<string, string>, body: unknown) =>
	api("POST", `/api/appointments/${id}/reschedule`, { headers, body });

describe("POST /api/appointments/:id/reschedule", () => {
	it("answers the new confirmed appointment and the old one rescheduled; a retry with the key answers the same", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const old = await book(doctor.id, patient, inDays(3), "09:00");
		const headers = { ...bearer(patient.token), "idempotency-key": crypto.randomUUID() };
		const body = { start: at(inDays(4), "10:00") };
		const moved = await move(old.id, headers, body);
		expect(moved.status).toBe(200);
		expect(moved.body.appointment).toMatchObject({
			status: "confirmed",
			start: body.start,
			rescheduled_from: old.id,
		});
		expect(moved.body.previous).toMatchObject({
			id: old.id,
			status: "rescheduled",
			rescheduled_to: moved.body.appointment.id,
		});
		const again = await move(old.id, headers, body);
		expect(again.status).toBe(200);
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(again.body.appointment.id).toBe(moved.body.appointment.id);
		const read = await api("GET", `/api/appointments/${old.id}`, { headers: bearer(patient.token) });
		expect(read.body.appointment.status).toBe("rescheduled");
		const newDay = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(4)}`);
		expect(newDay.body.slots.find((s: { time: string }) => s.time === "10:00").booked).toBe(1);
	});

	it("lets the doctor and an admin move it; another patient, and the doctor to another doctor, may not", async () => {
		const [doctor, second] = [await createDoctor(), await createDoctor()];
		const [patient, stranger] = [await createPatient(), await createPatient()];
		const old = await book(doctor.id, patient, inDays(3), "09:00");
		const to = (time: string, doctorId?: string) => ({ start: at(inDays(3), time), doctor_id: doctorId });
		expect((await move(old.id, bearer(stranger.token), to("10:00"))).body.error.code).toBe("FORBIDDEN");
		expect((await move(old.id, bearer(doctor.token), to("10:00", second.id))).body.error.code).toBe(
			"FORBIDDEN",
		);
		expect((await move(old.id, bearer(second.token), to("10:00", second.id))).body.error.code).toBe(
			"FORBIDDEN",
		);
		const byDoctor = await move(old.id, bearer(doctor.token), to("10:00"));
		expect(byDoctor.status).toBe(200);
		const byAdmin = await move(byDoctor.body.appointment.id, ADMIN, to("11:00", second.id));
		expect(byAdmin.status).toBe(200);
		expect(byAdmin.body.appointment.doctor_id).toBe(second.id);
		expect(byAdmin.body.previous.history.map((h: { status: string }) => h.status)).toEqual([
			"confirmed",
			"rescheduled",
		]);
	});

	it("refuses bad input with a 4xx and changes nothing", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, other] = [await createPatient(), await createPatient()];
		const old = await book(doctor.id, patient, inDays(3), "09:00");
		await book(doctor.id, other, inDays(3), "10:00");
		const headers = bearer(patient.token);
		const cases: [unknown, number, string][] = [
			[{}, 400, "VALIDATION_ERROR"],
			[{ start: "tomorrow" }, 400, "VALIDATION_ERROR"],
			[{ start: at(inDays(3), "11:00"), type: 7 }, 400, "VALIDATION_ERROR"],
			[{ start: at(inDays(3), "11:00"), type: "Long!" }, 400, "VALIDATION_ERROR"],
			[{ start: at(inDays(3), "11:00"), type: "long" }, 400, "VALIDATION_ERROR"],
			[{ start: at(inDays(5), "11:00"), type: "long" }, 400, "VALIDATION_ERROR"],
			[{ start: at(inDays(3), "11:10") }, 409, "SLOT_NOT_FOUND"],
			[{ start: at(inDays(3), "09:00") }, 409, "ALREADY_BOOKED"],
			[{ start: at(inDays(400), "09:00") }, 409, "DAY_UNAVAILABLE"],
			[{ start: at(inDays(3), "11:00"), doctor_id: "no-such-doctor" }, 404, "DOCTOR_NOT_FOUND"],
		];
		for (const [body, status, code] of cases) {
			const refused = await move(old.id, headers, body);
			expect([refused.status, refused.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
		}
		const full = await move(old.id, headers, { start: at(inDays(3), "10:00") });
		expect(full.status).toBe(409);
		expect(full.body.error).toMatchObject({ code: "SLOT_FULL", current_bookings: 1, max_capacity: 1 });
		expect(full.body.error.alternatives.length).toBeGreaterThan(0);
		const forged = await move(`${doctor.id}.${inDays(3)}.abcdef0123456789abcdef0123456789`, headers, {
			start: at(inDays(3), "11:00"),
		});
		expect(forged.body.error.code).toBe("APPOINTMENT_NOT_FOUND");
		const read = await api("GET", `/api/appointments/${old.id}`, { headers });
		expect(read.body.appointment.status).toBe("confirmed");
	});

	it("takes `type` (all or none over its slots), keeps the old one's by default, and `null` for one slot", async () => {
		const doctor = await createDoctor({
			capacity: 1,
			appointment_types: [{ id: "long", name: "Long visit", slots: 2 }],
		});
		const patient = await createPatient();
		const date = inDays(3);
		const old = await book(doctor.id, patient, date, "09:00");
		const headers = bearer(patient.token);
		const long = await move(old.id, headers, { start: at(date, "10:00"), type: "long" });
		expect(long.status).toBe(200);
		expect(long.body.appointment).toMatchObject({
			type: "long",
			start: at(date, "10:00"),
			end: at(date, "11:00"),
		});
		const kept = await move(long.body.appointment.id, headers, { start: at(inDays(4), "09:00") });
		expect(kept.status).toBe(200);
		expect(kept.body.appointment).toMatchObject({ type: "long", end: at(inDays(4), "10:00") });
		const single = await move(kept.body.appointment.id, headers, {
			start: at(inDays(4), "09:00"),
			type: null,
		});
		expect(single.status).toBe(200);
		expect(single.body.appointment.type).toBeUndefined();
		expect(single.body.appointment.end).toBe(at(inDays(4), "09:30"));
		const slots = (await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(4)}`)).body.slots;
		expect(slots.slice(0, 2).map((s: { booked: number }) => s.booked)).toEqual([1, 0]);
	});

	it("16 concurrent reschedules of one appointment: exactly one 200, the rest 409, one new place taken", async () => {
		const doctor = await createDoctor({ capacity: 30 });
		const patient = await createPatient();
		const old = await book(doctor.id, patient, inDays(3), "09:00");
		const times = Array.from(
			{ length: 16 },
			(_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`,
		);
		const answers = await Promise.all(
			times.map((time) => move(old.id, bearer(patient.token), { start: at(inDays(5), time) })),
		);
		expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
		expect(answers.filter((a) => a.status === 409)).toHaveLength(15);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(5)}`);
		expect(day.body.slots.reduce((n: number, s: { booked: number }) => n + s.booked, 0)).toBe(1);
	});

	it("a cancel while a move to another day is under way: 200, and the move is undone (409 INVALID_TRANSITION)", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const [date, later] = [inDays(3), inDays(8)];
		const old = await book(doctor.id, patient, date, "09:00");
		// The saga has confirmed the new place and is about to release the old one when the cancel comes in.
		const where = { doctorId: doctor.id, date: later };
		const start = Date.parse(at(later, "10:00"));
		const holdId = await mintDayId(env.AUTH_SECRET, "hold", doctor.id, later);
		const newDay = doctorDay(env, doctor.id, later);
		await newDay.hold(where, {
			patientId: patient.id,
			placedBy: patient.id,
			start,
			expectedVersion: null,
			id: holdId,
		});
		const made = await newDay.book(where, {
			patientId: patient.id,
			bookedBy: patient.id,
			start,
			consultationMode: "in_person",
			reason: null,
			idempotencyKey: null,
			holdId,
			rescheduledFrom: old.id,
		});
		if (!made.ok) throw new Error(JSON.stringify(made));
		const actor = { userId: patient.id, role: "patient" as const, doctorId: null };
		await runInDurableObject(doctorDay(env, doctor.id, date), async (instance, state) => {
			const { store } = instance as unknown as { store: DayStore };
			state.storage.transactionSync(() =>
				store.saveSaga({
					appointmentId: old.id,
					actor,
					idempotencyKey: "key-1",
					target: { ...where, start },
					holdId,
					step: "releasing",
					appointment: made.appointment,
					startedAt: Date.now(),
				}),
			);
		});
		const headers = bearer(patient.token);
		const cancelled = await api("POST", `/api/appointments/${old.id}/cancel`, { headers });
		expect([cancelled.status, cancelled.body.appointment.status]).toEqual([200, "cancelled"]);
		const moved = await move(
			old.id,
			{ ...headers, "idempotency-key": "key-1" },
			{ start: at(later, "10:00") },
		);
		expect([moved.status, moved.body.error.code]).toEqual([409, "INVALID_TRANSITION"]);
		const undone = await api("GET", `/api/appointments/${made.appointment.id}`, { headers });
		expect(undone.body.appointment.status).toBe("cancelled");
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${later}`);
		expect(day.body.slots.find((s: { time: string }) => s.time === "10:00")).toMatchObject({
			booked: 0,
			held: 0,
		});
	});
});
