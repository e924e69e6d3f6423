// The Doctor object: per-date summaries fed by day events (the date picker's one call), alternatives
// beyond the asked-for day, and the durable push of config to the days; and a day's own clean-up.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { doctorObject } from "../../src/doctor/stub";
import { doctorDay } from "../../src/doctor-day/stub";
import { hasTables } from "../../src/lib/storage-migrations";
import { ADMIN, allWeek, api, at, bearer, createDoctor, createPatients, inDays } from "../helpers";

/** Waits (bounded) until `check` holds: summaries are fed by events delivered after each answer. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
	const until = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > until) throw new Error("timed out waiting for the day events");
		await scheduler.wait(10);
	}
}

describe("the Doctor object", () => {
	it("answers a range read from its summaries, which follow bookings and cancellations", async () => {
		const doctor = await createDoctor({ capacity: 1 }, { name: "Dr. Range" });
		const [a, b] = await createPatients(2);
		if (a === undefined || b === undefined) throw new Error("no patients");
		const date = inDays(3);
		const range = () => doctorObject(env, doctor.id).range(doctor.id, date, inDays(4));
		const first = await range();
		expect(first.days.map((d) => d.date)).toEqual([date, inDays(4)]);
		expect(first.days[0]).toMatchObject({ total_slots: 16, available_count: 16, booked_count: 0 });
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(a.token),
			body: { doctor_id: doctor.id, start: at(date, "09:00") },
		});
		expect(booked.status).toBe(201);
		await eventually(async () => (await range()).days[0]?.booked_count === 1);
		const read = await api("GET", `/api/doctors/${doctor.id}/availability?from=${date}&to=${inDays(4)}`);
		expect(read.body.days[0]).toMatchObject({ date, available_count: 15, booked_count: 1 });
		await api("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, { headers: bearer(a.token) });
		await eventually(async () => (await range()).days[0]?.booked_count === 0);
	});

	it("offers the following days' free slots when a whole day is full, in one more call", async () => {
		const doctor = await createDoctor({ capacity: 1 }, { name: "Dr. Full" });
		const date = inDays(5);
		// The default schedule: 09:00–17:00, sixteen 30-minute slots, each taken by its own patient.
		const times = Array.from({ length: 16 }, (_, i) => {
			const minutes = 9 * 60 + 30 * i;
			return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${minutes % 60 === 0 ? "00" : "30"}`;
		});
		const patients = await createPatients(17);
		const booked = await Promise.all(
			times.map((time, i) =>
				api("POST", "/api/appointments", {
					headers: bearer(patients[i]?.token ?? ""),
					body: { doctor_id: doctor.id, start: at(date, time) },
				}),
			),
		);
		expect(booked.map((b) => b.status)).toEqual(times.map(() => 201));
		const full = await api("POST", "/api/appointments", {
			headers: bearer(patients[16]?.token ?? ""),
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		expect(full.body.error).toMatchObject({ code: "SLOT_FULL", current_bookings: 1, max_capacity: 1 });
		const alternatives = full.body.error.alternatives as { start: string }[];
		expect(alternatives.map((s) => s.start)).toEqual(times.slice(0, 5).map((t) => at(inDays(6), t)));
	});

	it("pushes a change, before answering it, to every day that holds a config, and to no other", async () => {
		const doctor = await createDoctor({ horizon_days: 5, capacity: 4 });
		const read = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(2)}`);
		expect(read.body.slots[0]).toMatchObject({ capacity: 4 });
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: {
				timezone: "UTC",
				capacity: 6,
				horizon_days: 5,
				weekly: allWeek([{ start: "09:00", end: "17:00" }]),
			},
		});
		expect(put.status).toBe(200);
		const stored = await runInDurableObject(doctorDay(env, doctor.id, inDays(2)), (_i, state) =>
			state.storage.sql.exec<{ config: string }>("SELECT config FROM day").one(),
		);
		expect(JSON.parse(stored.config)).toMatchObject({ capacity: 6, date: inDays(2) });
		// A day nobody touched was not written: it asks for the current config when first used.
		const untouched = await runInDurableObject(doctorDay(env, doctor.id, inDays(3)), (_i, state) =>
			hasTables(state.storage.sql),
		);
		expect(untouched).toBe(false);
		const fresh = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(3)}`);
		expect(fresh.body.slots[0]).toMatchObject({ capacity: 6 });
	});
});

describe("a doctor-day's clean-up", () => {
	it("deletes its storage once its date has passed with nothing in it", async () => {
		const doctor = await createDoctor({ horizon_days: 2 });
		// A day that was read, then given a changed config, has storage (the config) and no appointment.
		await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(1)}`);
		const changed = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: {
				timezone: "UTC",
				horizon_days: 2,
				capacity: 2,
				weekly: allWeek([{ start: "09:00", end: "12:00" }]),
			},
		});
		expect(changed.status).toBe(200);
		const stub = doctorDay(env, doctor.id, inDays(1));
		const timers = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ name: string }>("SELECT name FROM timers").toArray(),
		);
		expect(timers.map((t) => t.name)).toContain("cleanup");
		await runInDurableObject(stub, (_i, state) => {
			// Long past, yet a time an alarm can be set to (a delivery finishing meanwhile re-arms for it).
			state.storage.sql.exec("UPDATE timers SET due_at = 1 WHERE name = 'cleanup'");
			return state.storage.setAlarm(Date.now() + 60_000);
		});
		// The alarm runs now, or has already (a delivery still finishing may re-arm it for the due timer).
		await runDurableObjectAlarm(stub);
		await eventually(
			async () => !(await runInDurableObject(stub, (_i, state) => hasTables(state.storage.sql))),
		);
	});

	it("keeps a day that holds an appointment", async () => {
		const doctor = await createDoctor({ horizon_days: 2 });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("no patient");
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(1), "09:00") },
		});
		expect(booked.status).toBe(201);
		const stub = doctorDay(env, doctor.id, inDays(1));
		// The booking's deliveries have finished, so none re-arms the alarm for the timer changed below.
		await eventually(async () => (await stub.eventBacklog()).pending === 0);
		await runInDurableObject(stub, (_i, state) => {
			// Long past, yet a time an alarm can be set to (a delivery finishing meanwhile re-arms for it).
			state.storage.sql.exec("UPDATE timers SET due_at = 1 WHERE name = 'cleanup'");
			return state.storage.setAlarm(Date.now() + 60_000);
		});
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const read = await api("GET", `/api/appointments/${booked.body.appointment.id}`, {
			headers: bearer(patient.token),
		});
		expect(read.body.appointment).toMatchObject({ status: "confirmed" });
	});
});
