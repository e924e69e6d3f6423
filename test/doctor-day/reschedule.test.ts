// Rescheduling through the DoctorDay objects: on one day in one transaction, across days by the old day's
// saga; a full new slot changes nothing; a retry answers the same; concurrent reschedules of one
// appointment have exactly one winner; a saga stopped at any step is finished by the old day's alarm.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Actor, Appointment } from "../../src/core/appointment";
import type { RescheduleSaga, SagaStep } from "../../src/core/reschedule";
import type { DayStore } from "../../src/doctor-day/day-store";
import type { RescheduleResult } from "../../src/doctor-day/results";
import { doctorDay } from "../../src/doctor-day/stub";
import { mintDayId } from "../../src/lib/appointment-ids";
import {
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	eventually,
	inDays,
	type TestPatient,
} from "../helpers";

const asPatient = (p: TestPatient): Actor => ({ userId: p.id, role: "patient", doctorId: null });

async function book(
	doctorId: string,
	patient: TestPatient,
	date: string,
	time: string,
	type?: string,
): Promise<Appointment> {
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(patient.token),
		body: { doctor_id: doctorId, start: at(date, time), type },
	});
	expect(booked.status).toBe(201);
	return booked.body.appointment;
}

function reschedule(
	old: Appointment,
	actor: Actor,
	to: { doctorId?: string; date: string; time: string; type?: string | null },
	key: string | null = crypto.randomUUID(),
): Promise<RescheduleResult> {
	const target = {
		doctorId: to.doctorId ?? old.doctor_id,
		date: to.date,
		start: Date.parse(at(to.date, to.time)),
		...(to.type === undefined ? {} : { type: to.type }),
	};
	return doctorDay(env, old.doctor_id, old.date).reschedule(
		{ doctorId: old.doctor_id, date: old.date },
		{ appointmentId: old.id, actor, idempotencyKey: key, target },
	);
}

async function bookedAt(doctorId: string, date: string, time: string): Promise<number> {
	const day = await doctorDay(env, doctorId, date).availability({ doctorId, date });
	return day.slots.find((s) => s.time === time)?.booked ?? Number.NaN;
}

const statusOf = async (a: Pick<Appointment, "id" | "doctor_id" | "date">) =>
	(await doctorDay(env, a.doctor_id, a.date).appointment(a.id))?.status;

describe("reschedule on the same day", () => {
	it("moves the appointment in one change: the new one confirmed, the old one rescheduled, counts exact", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const date = inDays(3);
		const old = await book(doctor.id, patient, date, "09:00");
		const result = await reschedule(old, asPatient(patient), { date, time: "10:00" });
		if (!result.ok) throw new Error(JSON.stringify(result));
		expect(result.appointment).toMatchObject({
			status: "confirmed",
			start: at(date, "10:00"),
			rescheduled_from: old.id,
		});
		expect(result.previous).toMatchObject({ status: "rescheduled", rescheduled_to: result.appointment.id });
		expect(result.previous.history?.map((h) => h.status)).toEqual(["confirmed", "rescheduled"]);
		expect(await bookedAt(doctor.id, date, "09:00")).toBe(0);
		expect(await bookedAt(doctor.id, date, "10:00")).toBe(1);
	});

	it("changes nothing when the new slot is full, and answers a retry with the same key the same", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, other] = [await createPatient(), await createPatient()];
		const date = inDays(3);
		const old = await book(doctor.id, patient, date, "09:00");
		await book(doctor.id, other, date, "10:00");
		const full = await reschedule(old, asPatient(patient), { date, time: "10:00" });
		expect(full).toMatchObject({ ok: false, code: "SLOT_FULL", booked: 1, capacity: 1 });
		expect(await statusOf(old)).toBe("confirmed");
		const key = crypto.randomUUID();
		const first = await reschedule(old, asPatient(patient), { date, time: "11:00" }, key);
		const again = await reschedule(old, asPatient(patient), { date, time: "11:00" }, key);
		expect(first.ok && again.ok).toBe(true);
		if (!first.ok || !again.ok) return;
		expect(again.replayed).toBe(true);
		expect(again.appointment.id).toBe(first.appointment.id);
		expect(await bookedAt(doctor.id, date, "11:00")).toBe(1);
	});
});

describe("reschedule across days and doctors (the old day's saga)", () => {
	it("confirms the new one on the other day, then releases the old one; a retry answers the same", async () => {
		const [doctor, second] = [await createDoctor({ capacity: 2 }), await createDoctor({ capacity: 1 })];
		const patient = await createPatient();
		const [date, later] = [inDays(3), inDays(5)];
		const old = await book(doctor.id, patient, date, "09:00");
		const key = crypto.randomUUID();
		const result = await reschedule(
			old,
			asPatient(patient),
			{ doctorId: second.id, date: later, time: "14:00" },
			key,
		);
		if (!result.ok) throw new Error(JSON.stringify(result));
		expect(result.appointment).toMatchObject({
			doctor_id: second.id,
			date: later,
			status: "confirmed",
			rescheduled_from: old.id,
		});
		expect(result.previous).toMatchObject({ status: "rescheduled", rescheduled_to: result.appointment.id });
		expect(await statusOf(result.appointment)).toBe("confirmed");
		expect(await bookedAt(doctor.id, date, "09:00")).toBe(0);
		expect(await bookedAt(second.id, later, "14:00")).toBe(1);
		const again = await reschedule(
			old,
			asPatient(patient),
			{ doctorId: second.id, date: later, time: "14:00" },
			key,
		);
		expect(again).toMatchObject({ ok: true, replayed: true, appointment: { id: result.appointment.id } });
		const other = await reschedule(old, asPatient(patient), { date: later, time: "15:00" });
		expect(other).toEqual({ ok: false, code: "INVALID_TRANSITION" });
		expect(await bookedAt(second.id, later, "14:00")).toBe(1);
	});

	it("changes nothing when the new slot is full; the appointment can be moved again afterwards", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, other] = [await createPatient(), await createPatient()];
		const [date, later] = [inDays(3), inDays(4)];
		const old = await book(doctor.id, patient, date, "09:00");
		await book(doctor.id, other, later, "10:00");
		const full = await reschedule(old, asPatient(patient), { date: later, time: "10:00" });
		expect(full).toMatchObject({ ok: false, code: "SLOT_FULL" });
		expect(await statusOf(old)).toBe("confirmed");
		expect(await bookedAt(doctor.id, later, "10:00")).toBe(1);
		const day = await doctorDay(env, doctor.id, later).availability({ doctorId: doctor.id, date: later });
		expect(day.slots.reduce((n, s) => n + s.held, 0)).toBe(0);
		expect((await reschedule(old, asPatient(patient), { date: later, time: "11:00" })).ok).toBe(true);
	});

	it("refuses another patient, and a doctor who is not the appointment's", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const stranger = await createPatient();
		const old = await book(doctor.id, patient, inDays(3), "09:00");
		const target = { date: inDays(4), time: "10:00" };
		expect(await reschedule(old, asPatient(stranger), target)).toEqual({ ok: false, code: "FORBIDDEN" });
		const otherDoctor: Actor = { userId: "u-other", role: "doctor", doctorId: "dr-other" };
		expect(await reschedule(old, otherDoctor, target)).toEqual({ ok: false, code: "FORBIDDEN" });
		expect(await statusOf(old)).toBe("confirmed");
	});
});

describe("concurrent reschedules of one appointment", () => {
	it.each([
		["across days", 5],
		["on the same day", 3],
	])("%s: exactly one wins, exactly one new place is taken", async (_name, day) => {
		const doctor = await createDoctor({ capacity: 5 });
		const patient = await createPatient();
		const date = inDays(3);
		const later = inDays(day);
		const old = await book(doctor.id, patient, date, "09:00");
		const times = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"];
		const results = await Promise.all(
			times.map((time) => reschedule(old, asPatient(patient), { date: later, time })),
		);
		const won = results.filter((r) => r.ok);
		expect(won).toHaveLength(1);
		expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(
			Array(times.length - 1).fill("INVALID_TRANSITION"),
		);
		const taken = await Promise.all(times.map((time) => bookedAt(doctor.id, later, time)));
		expect(taken.reduce((a, b) => a + b, 0)).toBe(1);
		expect(await statusOf(old)).toBe("rescheduled");
	});
});

describe("a saga stopped at any step is finished by the old day's alarm", () => {
	it.each(["holding", "confirming", "releasing"] as const)(
		"stopped with the step at %s: exactly one confirmed after the alarm",
		async (step: SagaStep) => {
			const done = step === "holding" ? "nothing" : step === "confirming" ? "held" : "booked";
			const { doctor, date, later, old, actor, oldDay } = await stoppedSaga(step, done, -1);
			// The runtime may run the past-due alarm by itself first: either way the alarm does the work.
			await eventually(async () => {
				await runDurableObjectAlarm(oldDay);
				return (await statusOf(old)) === "rescheduled";
			});
			const moved = await oldDay.appointment(old.id);
			expect(await statusOf({ id: moved?.rescheduled_to ?? "", doctor_id: doctor.id, date: later })).toBe(
				"confirmed",
			);
			expect(await bookedAt(doctor.id, later, "16:00")).toBe(1);
			expect(await bookedAt(doctor.id, date, "09:00")).toBe(0);
			const retried = await reschedule(old, actor, { date: later, time: "16:00" }, "k");
			expect(retried).toMatchObject({ ok: true, replayed: true, appointment: { id: moved?.rescheduled_to } });
		},
	);
});

describe("a reschedule's visit type", () => {
	const LONG = { appointment_types: [{ id: "long", name: "Long visit", slots: 2 }] };
	const booked = async (doctorId: string, date: string, times: string[]) =>
		Promise.all(times.map((time) => bookedAt(doctorId, date, time)));
	const heldOn = async (doctorId: string, date: string) =>
		(await doctorDay(env, doctorId, date).availability({ doctorId, date })).slots.reduce(
			(n, s) => n + s.held,
			0,
		);

	it("same day: a long visit moves one slot onto its own places and stays long; then becomes one slot", async () => {
		const doctor = await createDoctor({ capacity: 1, ...LONG });
		const patient = await createPatient();
		const date = inDays(3);
		const old = await book(doctor.id, patient, date, "09:00", "long");
		const moved = await reschedule(old, asPatient(patient), { date, time: "09:30" });
		if (!moved.ok) throw new Error(JSON.stringify(moved));
		expect(moved.appointment).toMatchObject({
			type: "long",
			start: at(date, "09:30"),
			end: at(date, "10:30"),
		});
		expect(await booked(doctor.id, date, ["09:00", "09:30", "10:00"])).toEqual([0, 1, 1]);
		const single = await reschedule(moved.appointment, asPatient(patient), {
			date,
			time: "09:30",
			type: null,
		});
		if (!single.ok) throw new Error(JSON.stringify(single));
		expect(single.appointment.type).toBeUndefined();
		expect(await booked(doctor.id, date, ["09:30", "10:00"])).toEqual([1, 0]);
	});

	it("across days: all or none; a full second slot or an unknown type changes nothing and holds nothing", async () => {
		const [doctor, plain] = [
			await createDoctor({ capacity: 1, ...LONG }),
			await createDoctor({ capacity: 1 }),
		];
		const [patient, other] = [await createPatient(), await createPatient()];
		const [date, later] = [inDays(3), inDays(5)];
		const old = await book(doctor.id, patient, date, "09:00");
		await book(doctor.id, other, later, "10:30");
		const full = await reschedule(old, asPatient(patient), { date: later, time: "10:00", type: "long" });
		expect(full).toMatchObject({ ok: false, code: "SLOT_FULL" });
		const unknown = await reschedule(old, asPatient(patient), {
			doctorId: plain.id,
			date: later,
			time: "10:00",
			type: "long",
		});
		expect(unknown).toMatchObject({ ok: false, code: "UNKNOWN_TYPE" });
		expect(await statusOf(old)).toBe("confirmed");
		expect([await heldOn(doctor.id, later), await heldOn(plain.id, later)]).toEqual([0, 0]);
		expect(await booked(doctor.id, later, ["10:00", "10:30"])).toEqual([0, 1]);
		const moved = await reschedule(old, asPatient(patient), { date: later, time: "11:00", type: "long" });
		if (!moved.ok) throw new Error(JSON.stringify(moved));
		expect(moved.appointment).toMatchObject({ type: "long", end: at(later, "12:00") });
		expect(await booked(doctor.id, later, ["11:00", "11:30"])).toEqual([1, 1]);
	});

	it("across doctors: the old type is kept where the new doctor has it, else the visit takes one slot", async () => {
		const [doctor, second, plain] = [
			await createDoctor({ capacity: 1, ...LONG }),
			await createDoctor({ capacity: 1, ...LONG }),
			await createDoctor({ capacity: 1 }),
		];
		const patient = await createPatient();
		const date = inDays(3);
		const [first, next] = [
			await book(doctor.id, patient, date, "09:00", "long"),
			await book(doctor.id, patient, date, "13:00", "long"),
		];
		const kept = await reschedule(first, asPatient(patient), {
			doctorId: second.id,
			date: inDays(4),
			time: "09:00",
		});
		expect(kept).toMatchObject({ ok: true, appointment: { type: "long", end: at(inDays(4), "10:00") } });
		const dropped = await reschedule(next, asPatient(patient), {
			doctorId: plain.id,
			date: inDays(4),
			time: "09:00",
		});
		if (!dropped.ok) throw new Error(JSON.stringify(dropped));
		expect(dropped.appointment.type).toBeUndefined();
		expect(dropped.appointment.end).toBe(at(inDays(4), "09:30"));
	});
});

describe("a cancel of the old appointment while its saga runs", () => {
	// [step stored, what the new day had done]: every point a cancel can land between the saga's awaits.
	const points: [SagaStep, "nothing" | "held" | "booked"][] = [
		["holding", "nothing"],
		["holding", "held"],
		["confirming", "held"],
		["confirming", "booked"], // the confirm landed, but the saga stopped before storing it
		["releasing", "booked"],
	];
	it.each(points)(
		"saga at %s, new day %s: the new place is undone too, nothing stays held or booked",
		async (step, done) => {
			const { doctor, patient, later, old, where, newDay, actor, made, oldDay } = await stoppedSaga(
				step,
				done,
				60_000,
			);
			// The cancel lands between two of the saga's steps: it is answered at once, as any cancel.
			const cancelled = await oldDay.cancel(old.id, actor);
			expect(cancelled).toMatchObject({ ok: true, changed: true, appointment: { status: "cancelled" } });
			// The saga goes on (here: its retry with the same key) and undoes the new place instead of finishing.
			const retried = await reschedule(old, actor, { date: later, time: "16:00" }, "k");
			expect(retried).toEqual({ ok: false, code: "INVALID_TRANSITION" });
			expect(await bookedAt(doctor.id, later, "16:00")).toBe(0);
			const day = await newDay.availability(where);
			expect(day.slots.reduce((n, s) => n + s.held, 0)).toBe(0);
			if (made !== null) {
				const after = await newDay.appointment(made.id);
				expect(after?.status).toBe("cancelled");
				expect(after?.history?.at(-1)).toMatchObject({ status: "cancelled", by: patient.id });
			}
			expect(await statusOf(old)).toBe("cancelled");
			await runInDurableObject(oldDay, async (instance) => {
				const { store } = instance as unknown as { store: DayStore };
				expect(store.findSaga(old.id)).toBeNull();
			});
			// Repeating it all is harmless.
			expect(await reschedule(old, actor, { date: later, time: "16:00" }, "k")).toEqual({
				ok: false,
				code: "INVALID_TRANSITION",
			});
		},
	);

	it("the saga's alarm undoes it when no request is left to carry it on", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const [date, later] = [inDays(3), inDays(7)];
		const old = await book(doctor.id, patient, date, "09:00");
		const start = Date.parse(at(later, "15:00"));
		const where = { doctorId: doctor.id, date: later };
		const holdId = await mintDayId(env.AUTH_SECRET, "hold", doctor.id, later);
		const oldDay = doctorDay(env, doctor.id, date);
		await runInDurableObject(oldDay, async (instance, state) => {
			const { store } = instance as unknown as { store: DayStore };
			state.storage.transactionSync(() => {
				store.saveSaga({
					appointmentId: old.id,
					actor: asPatient(patient),
					idempotencyKey: "k",
					target: { ...where, start },
					holdId,
					step: "holding",
					appointment: null,
					startedAt: Date.now(),
				});
				store.timers.at(`reschedule:${old.id}`, Date.now() - 1);
			});
		});
		expect((await oldDay.cancel(old.id, asPatient(patient))).ok).toBe(true);
		await eventually(async () => {
			await runDurableObjectAlarm(oldDay);
			return runInDurableObject(
				oldDay,
				async (instance) => (instance as unknown as { store: DayStore }).store.findSaga(old.id) === null,
			);
		});
		expect(await bookedAt(doctor.id, later, "15:00")).toBe(0);
	});
});

/**
 * A cross-day reschedule (09:00 in 3 days → 16:00 in 6 days, capacity 1) stopped at `step`, with the new day
 * having `done` what the saga's remote steps did before the stop, and its timer due `dueInMs` from now.
 */
async function stoppedSaga(step: SagaStep, done: "nothing" | "held" | "booked", dueInMs: number) {
	const doctor = await createDoctor({ capacity: 1 });
	const patient = await createPatient();
	const [date, later] = [inDays(3), inDays(6)];
	const old = await book(doctor.id, patient, date, "09:00");
	const start = Date.parse(at(later, "16:00"));
	const where = { doctorId: doctor.id, date: later };
	const newDay = doctorDay(env, doctor.id, later);
	const holdId = await mintDayId(env.AUTH_SECRET, "hold", doctor.id, later);
	const actor = asPatient(patient);
	let made: Appointment | null = null;
	if (done !== "nothing") {
		const held = await newDay.hold(where, {
			patientId: patient.id,
			placedBy: patient.id,
			start,
			expectedVersion: null,
			id: holdId,
		});
		expect(held.ok).toBe(true);
	}
	if (done === "booked") {
		const booked = await newDay.book(where, {
			patientId: patient.id,
			bookedBy: patient.id,
			start,
			consultationMode: "in_person",
			reason: null,
			idempotencyKey: null,
			holdId,
			rescheduledFrom: old.id,
		});
		if (!booked.ok) throw new Error(JSON.stringify(booked));
		made = booked.appointment;
	}
	const saga: RescheduleSaga = {
		appointmentId: old.id,
		actor,
		idempotencyKey: "k",
		target: { ...where, start },
		holdId,
		step,
		appointment: step === "releasing" ? made : null,
		startedAt: Date.now(),
	};
	const oldDay = doctorDay(env, doctor.id, date);
	await runInDurableObject(oldDay, async (instance, state) => {
		const { store } = instance as unknown as { store: DayStore };
		state.storage.transactionSync(() => {
			store.saveSaga(saga);
			store.timers.at(`reschedule:${old.id}`, Date.now() + dueInMs);
		});
		if (dueInMs <= 0) await store.timers.arm();
	});
	return { doctor, patient, date, later, old, where, newDay, actor, made, oldDay };
}
