// The notifications consumer through the doctor-day object: bookings and cancellations reach the patient's
// and the doctor's inboxes once, a failing inbox is retried without duplicates, and reminders fire from the
// day's alarm with time injected: once each, none after a cancellation, harmless when the alarm repeats.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { doctorObject } from "../../src/doctor/stub";
import { doctorDay } from "../../src/doctor-day/stub";
import { MAX_ATTEMPTS } from "../../src/events/event-log";
import { userObject } from "../../src/user/stub";
import { api, at, bearer, createDoctor, createPatient, inDays, type TestDoctor } from "../helpers";

afterEach(() => {
	vi.useRealTimers();
});

/** Moves the clock the objects read (they share this isolate in tests). */
function setClock(ms: number): void {
	vi.useFakeTimers({ toFake: ["Date"] });
	vi.setSystemTime(ms);
}

async function accountOf(doctor: TestDoctor): Promise<string> {
	return (await api("GET", "/api/me", { headers: bearer(doctor.token) })).body.user.id;
}

const inboxOf = (userId: string) => userObject(env, userId).list(200, null);

/** Waits (bounded) until `userId` holds `count` notifications. */
async function until(userId: string, count: number, timeoutMs = 5_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const page = await inboxOf(userId);
		if (page.notifications.length >= count) return page;
		if (Date.now() > deadline) throw new Error(`${userId} has ${page.notifications.length}, not ${count}`);
		await scheduler.wait(10);
	}
}

/** A doctor whose account's inbox fails every delivery (its table renamed) until mended, and a patient. */
async function doctorWithBrokenInbox() {
	const doctor = await createDoctor();
	const doctorAccount = await accountOf(doctor);
	const patient = await createPatient();
	const inbox = userObject(env, doctorAccount);
	await inbox.list(1, null);
	const moveTable = (from: string, to: string) =>
		runInDurableObject(inbox, (_i, state) => {
			state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
		});
	await moveTable("notifications", "notifications_away");
	return {
		doctor,
		doctorAccount,
		patient,
		mendInbox: () => moveTable("notifications_away", "notifications"),
	};
}

async function book(token: string, doctorId: string, start: string) {
	const call = await api("POST", "/api/appointments", {
		headers: bearer(token),
		body: { doctor_id: doctorId, start },
	});
	if (call.status !== 201) throw new Error(`book: ${call.status} ${JSON.stringify(call.body)}`);
	return call.body.appointment as { id: string; date: string; start: string };
}

describe("the notifications consumer", () => {
	it("tells the patient and the doctor of a booking and of who cancelled it", async () => {
		const doctor = await createDoctor();
		const doctorAccount = await accountOf(doctor);
		const patient = await createPatient();
		const appointment = await book(patient.token, doctor.id, at(inDays(3), "10:00"));
		const patientInbox = await until(patient.id, 1);
		const doctorInbox = await until(doctorAccount, 1);
		expect(patientInbox.notifications).toMatchObject([
			{ type: "booked", appointment_id: appointment.id, title: "Appointment booked", read_at: null },
		]);
		expect(patientInbox.notifications[0]?.body).toMatch(/^With Dr\. Test, \w{3} \d+ \w{3} \d{4} at 10:00\.$/);
		expect(doctorInbox.notifications).toMatchObject([{ type: "booked", title: "New booking" }]);
		expect(doctorInbox.notifications[0]?.id).not.toBe(patientInbox.notifications[0]?.id);

		await api("POST", `/api/appointments/${appointment.id}/cancel`, { headers: bearer(doctor.token) });
		expect((await until(patient.id, 2)).notifications[0]).toMatchObject({
			type: "cancelled",
			body: expect.stringMatching(/^Dr\. Test cancelled your appointment/),
		});
		expect((await until(doctorAccount, 2)).notifications[0]?.body).toMatch(/^You cancelled the booking/);
		expect((await inboxOf(patient.id)).unread).toBe(2);
	});

	it("backs off when an inbox fails, and on retry adds to nobody twice", async () => {
		const doctor = await createDoctor();
		const doctorAccount = await accountOf(doctor);
		const patient = await createPatient();
		// The patient's inbox fails every delivery until its table is back.
		await userObject(env, patient.id).list(1, null);
		await runInDurableObject(userObject(env, patient.id), (_i, state) => {
			state.storage.sql.exec("ALTER TABLE notifications RENAME TO notifications_away");
		});
		const appointment = await book(patient.token, doctor.id, at(inDays(3), "11:00"));
		const day = doctorDay(env, doctor.id, appointment.date);
		await until(doctorAccount, 1);
		const owed = async () =>
			runInDurableObject(day, (_i, state) =>
				state.storage.sql
					.exec<{ attempts: number }>("SELECT attempts FROM event_cursors WHERE consumer = 'notifications'")
					.toArray(),
			);
		const deadline = Date.now() + 5_000;
		while ((await owed())[0]?.attempts !== 1 && Date.now() < deadline) await scheduler.wait(10);
		expect(await owed()).toEqual([{ attempts: 1 }]);

		await runInDurableObject(userObject(env, patient.id), (_i, state) => {
			state.storage.sql.exec("ALTER TABLE notifications_away RENAME TO notifications");
		});
		// Skips the backoff's wait: the retry is made due in storage, read by a fresh instance.
		await runInDurableObject(day, (_i, state) => {
			state.storage.sql.exec("UPDATE event_cursors SET next_at = 0");
			return state.storage.setAlarm(Date.now() + 60_000);
		});
		await evictDurableObject(day);
		expect(await runDurableObjectAlarm(day)).toBe(true);
		expect(await owed()).toEqual([{ attempts: 0 }]);
		expect((await day.eventBacklog()).pending).toBe(0);
		expect((await inboxOf(patient.id)).notifications.map((n) => n.type)).toEqual(["booked"]);
		expect((await inboxOf(doctorAccount)).notifications.map((n) => n.type)).toEqual(["booked"]);
		expect((await day.eventBacklog()).deadLetters).toEqual([]);
	});

	it("tells both when a schedule change leaves the booking outside the hours, once", async () => {
		const doctor = await createDoctor();
		const doctorAccount = await accountOf(doctor);
		const patient = await createPatient();
		await book(patient.token, doctor.id, at(inDays(3), "16:00"));
		await until(patient.id, 1);
		const weekly = (end: string) =>
			Object.fromEntries(
				["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => [
					d,
					[{ start: "09:00", end }],
				]),
			);
		for (const end of ["12:00", "11:00"]) {
			const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
				headers: bearer(doctor.token),
				body: { timezone: "UTC", weekly: weekly(end) },
			});
			expect(put.body.affected_appointments).toHaveLength(1);
		}
		expect((await until(patient.id, 2)).notifications[0]).toMatchObject({ type: "outside_schedule" });
		expect((await until(doctorAccount, 2)).notifications[0]).toMatchObject({ type: "outside_schedule" });
		// The second edit kept it outside: nothing new to say.
		await scheduler.wait(200);
		expect((await inboxOf(patient.id)).notifications).toHaveLength(2);
	});
});

describe("the doctor's notifications, delivered by the Doctor object", () => {
	it("gathers them from all the doctor's days, each once", async () => {
		const doctor = await createDoctor();
		const doctorAccount = await accountOf(doctor);
		const patient = await createPatient();
		const booked = [];
		for (const days of [2, 3, 4])
			booked.push(await book(patient.token, doctor.id, at(inDays(days), "10:00")));
		const inbox = await until(doctorAccount, 3);
		expect(inbox.notifications.map((n) => n.appointment_id).sort()).toEqual(booked.map((a) => a.id).sort());
		expect(new Set(inbox.notifications.map((n) => n.id)).size).toBe(3);
	});

	it("keeps them while the doctor's inbox fails, retries the failed one alone, and gives up on it visibly", async () => {
		const { doctor, doctorAccount, patient, mendInbox } = await doctorWithBrokenInbox();
		const first = await book(patient.token, doctor.id, at(inDays(5), "10:00"));
		const second = await book(patient.token, doctor.id, at(inDays(6), "10:00"));

		const doctorState = doctorObject(env, doctor.id);
		const kept = () =>
			runInDurableObject(doctorState, (_i, state) => ({
				notices: state.storage.sql
					.exec<{ date: string; attempts: number }>("SELECT date, attempts FROM notices ORDER BY rowid")
					.toArray(),
				dead: state.storage.sql.exec<{ date: string }>("SELECT date FROM dead_notices").toArray(),
			}));
		const deadline = Date.now() + 5_000;
		while ((await kept()).notices[0]?.attempts !== 1 && Date.now() < deadline) await scheduler.wait(10);
		expect((await kept()).notices).toEqual([
			{ date: first.date, attempts: 1 },
			{ date: second.date, attempts: 0 },
		]);

		// The last attempt at the first notice fails too: it is dead-lettered, the other stays owed.
		const runNoticesNow = async () => {
			await runInDurableObject(doctorState, (_i, state) => {
				state.storage.sql.exec("UPDATE timers SET due_at = 0 WHERE name = 'notices'");
				return state.storage.setAlarm(Date.now() + 60_000);
			});
			expect(await runDurableObjectAlarm(doctorState)).toBe(true);
		};
		await runInDurableObject(doctorState, (_i, state) => {
			state.storage.sql.exec("UPDATE notices SET attempts = ? WHERE date = ?", MAX_ATTEMPTS - 1, first.date);
		});
		await runNoticesNow();
		expect(await kept()).toMatchObject({ notices: [{ date: second.date }], dead: [{ date: first.date }] });

		await mendInbox();
		await runNoticesNow();
		expect(await kept()).toMatchObject({ notices: [] });
		expect((await inboxOf(doctorAccount)).notifications.map((n) => n.appointment_id)).toEqual([second.id]);
	});

	it("holds later notices behind a failed one until its retry, rather than retrying it at every booking", async () => {
		const { doctor, doctorAccount, patient, mendInbox } = await doctorWithBrokenInbox();
		const doctorState = doctorObject(env, doctor.id);
		const state = () =>
			runInDurableObject(doctorState, (_i, s) => ({
				attempts: s.storage.sql
					.exec<{ attempts: number }>("SELECT attempts FROM notices ORDER BY rowid")
					.toArray()
					.map((n) => n.attempts),
				timers: s.storage.sql
					.exec<{ name: string }>("SELECT name FROM timers WHERE name = 'notices'")
					.toArray().length,
			}));
		const waitFor = async (done: (s: Awaited<ReturnType<typeof state>>) => boolean) => {
			const deadline = Date.now() + 5_000;
			while (!done(await state()) && Date.now() < deadline) await scheduler.wait(10);
			return state();
		};
		const booked = [await book(patient.token, doctor.id, at(inDays(7), "10:00"))];
		expect((await waitFor((s) => s.attempts[0] === 1)).attempts).toEqual([1]);
		for (const days of [8, 9]) booked.push(await book(patient.token, doctor.id, at(inDays(days), "10:00")));
		await waitFor((s) => s.attempts.length === 3);
		await scheduler.wait(200);
		// The first retry is 2 s away: the two new bookings did not each try the failing inbox again.
		expect(await state()).toEqual({ attempts: [1, 0, 0], timers: 1 });

		await mendInbox();
		await runInDurableObject(doctorState, (_i, s) => {
			s.storage.sql.exec("UPDATE timers SET due_at = 0 WHERE name = 'notices'");
			return s.storage.setAlarm(Date.now() + 60_000);
		});
		expect(await runDurableObjectAlarm(doctorState)).toBe(true);
		expect(await state()).toEqual({ attempts: [], timers: 0 });
		const delivered = (await inboxOf(doctorAccount)).notifications.map((n) => n.appointment_id);
		expect(delivered.sort()).toEqual(booked.map((a) => a.id).sort());
	});
});

describe("reminders, fired by the day's alarm", () => {
	it("sends the day-ahead and the hour-ahead reminder once each, and none for a cancelled booking", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const kept = await createPatient();
		const dropped = await createPatient();
		const date = inDays(3);
		const appointment = await book(kept.token, doctor.id, at(date, "10:00"));
		const cancelled = await book(dropped.token, doctor.id, at(date, "10:00"));
		await api("POST", `/api/appointments/${cancelled.id}/cancel`, { headers: bearer(dropped.token) });
		await until(kept.id, 1);
		await until(dropped.id, 2);
		const day = doctorDay(env, doctor.id, date);
		const reminderTimers = () =>
			runInDurableObject(day, (_i, state) =>
				state.storage.sql
					.exec<{ name: string }>("SELECT name FROM timers WHERE name LIKE 'reminder:%' ORDER BY name")
					.toArray()
					.map((t) => t.name),
			);
		expect(await reminderTimers()).toEqual([
			`reminder:1h:${appointment.id}`,
			`reminder:24h:${appointment.id}`,
		]);

		const start = Date.parse(appointment.start);
		const reminders = async (userId: string) =>
			(await inboxOf(userId)).notifications.filter((n) => n.type === "reminder").map((n) => n.title);
		for (const [now, titles] of [
			[start - 24 * 3600_000, ["Appointment tomorrow"]],
			[start - 3600_000, ["Appointment in an hour", "Appointment tomorrow"]],
		] as const) {
			setClock(now);
			// Twice: alarms fire at least once, and a repeat must send nothing again.
			for (let run = 0; run < 2; run++) {
				await runInDurableObject(day, (_i, state) => state.storage.setAlarm(now));
				expect(await runDurableObjectAlarm(day)).toBe(true);
			}
			await until(kept.id, 1 + titles.length);
			expect(await reminders(kept.id)).toEqual(titles);
		}
		expect(await reminderTimers()).toEqual([]);
		expect(await reminders(dropped.id)).toEqual([]);
		expect((await inboxOf(dropped.id)).notifications).toHaveLength(2);
		expect(await day.eventBacklog()).toMatchObject({ pending: 0, deadLetters: [] });
	});
});
