// The DoctorDay object on its own, through RPC on its stub: each rule, each code, versions and the outbox.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import type { DayEvent } from "../../src/core/day-decider";
import { doctorObject } from "../../src/doctor/stub";
import { DayStore } from "../../src/doctor-day/day-store";
import type { DoctorDay } from "../../src/doctor-day/doctor-day";
import { doctorDay } from "../../src/doctor-day/stub";
import { appendDayEvents } from "../../src/events/delivery";
import { MAX_ATTEMPTS } from "../../src/events/event-log";
import { at, inDays, unique } from "../helpers";
import { bookRequest, dayConfig, pushed } from "./day-fixtures";

const stubFor = (day: DayConfig) => doctorDay(env, day.doctorId, day.date);

/** Waits (bounded) until `read` answers something other than null: events reach D1 after the answer. */
async function eventually<T>(read: () => Promise<T | null>, timeoutMs = 5_000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (value !== null) return value;
		if (Date.now() > until) throw new Error("timed out waiting for the event delivery");
		await scheduler.wait(10);
	}
}

describe("booking rules, decided inside the object", () => {
	it.each<[string, Partial<DayConfig>, string, string]>([
		["an unapproved doctor", { isApproved: false }, "09:00", "DOCTOR_UNAVAILABLE"],
		["a doctor marked unavailable", { isAvailable: false }, "09:00", "DOCTOR_UNAVAILABLE"],
		["a slot in the past", { date: inDays(-2) }, "09:00", "SLOT_IN_PAST"],
		["a day the schedule does not enable", { ranges: [] }, "09:00", "DAY_UNAVAILABLE"],
		["a doctor without a schedule", { timezone: null }, "09:00", "DAY_UNAVAILABLE"],
		["a day beyond the horizon", { date: inDays(20), horizonDays: 14 }, "09:00", "DAY_UNAVAILABLE"],
		["a time that is not a slot start", {}, "09:15", "SLOT_NOT_FOUND"],
		["a time outside every range", {}, "13:00", "SLOT_NOT_FOUND"],
		[
			"a slot inside unavailability",
			{ blocks: [{ id: "b1", start: "10:00", end: "10:45", reason: null }] },
			"10:30",
			"SLOT_UNAVAILABLE",
		],
	])("refuses %s", async (_name, overrides, time, code) => {
		const day = dayConfig(overrides);
		const result = await (await pushed(day)).book(day, bookRequest(day, time));
		expect(result).toMatchObject({ ok: false, code });
		const view = await stubFor(day).availability(day);
		expect(view.slots.reduce((sum, s) => sum + s.booked, 0)).toBe(0);
	});

	it("books up to capacity, then SLOT_FULL with same-day alternatives", async () => {
		const day = dayConfig({ capacity: 2 });
		const stub = await pushed(day);
		expect(await stub.book(day, bookRequest(day, "10:00"))).toMatchObject({ ok: true });
		expect(await stub.book(day, bookRequest(day, "10:00"))).toMatchObject({ ok: true });
		const full = await stub.book(day, bookRequest(day, "10:00"));
		expect(full).toMatchObject({ ok: false, code: "SLOT_FULL", booked: 2, capacity: 2 });
		if (full.ok || full.code !== "SLOT_FULL") throw new Error("expected SLOT_FULL");
		expect(full.sameDayAlternatives.map((s) => s.time)).not.toContain("10:00");
		expect(full.sameDayAlternatives.every((s) => s.status === "available")).toBe(true);
	});

	it("refuses a patient who already holds the slot", async () => {
		const day = dayConfig({ capacity: 3 });
		const patientId = unique("p");
		await (await pushed(day)).book(day, bookRequest(day, "11:00", { patientId }));
		const again = await (await pushed(day)).book(day, bookRequest(day, "11:00", { patientId }));
		expect(again).toMatchObject({ ok: false, code: "ALREADY_BOOKED" });
	});

	it("refuses a patient's fifth place of the day, but not a booking made for them", async () => {
		const day = dayConfig({ capacity: 2 });
		const stub = await pushed(day);
		const patientId = unique("p");
		const times = ["09:00", "09:30", "10:00", "10:30", "11:00"];
		const results = [];
		for (const time of times) results.push(await stub.book(day, bookRequest(day, time, { patientId })));
		expect(results.map((r) => (r.ok ? "ok" : r.code))).toEqual(["ok", "ok", "ok", "ok", "PATIENT_DAY_LIMIT"]);
		const byAdmin = await stub.book(day, bookRequest(day, "11:00", { patientId, bookedBy: "admin" }));
		expect(byAdmin).toMatchObject({ ok: true });
	});

	it("replays an idempotency key and refuses it for a different booking", async () => {
		const day = dayConfig({ capacity: 5 });
		const first = bookRequest(day, "09:30", { idempotencyKey: "k-1" });
		const booked = await (await pushed(day)).book(day, first);
		const replayed = await (await pushed(day)).book(day, first);
		expect(replayed).toMatchObject({ ok: true, replayed: true });
		if (!booked.ok || !replayed.ok) throw new Error("expected bookings");
		expect(replayed.appointment).toEqual(booked.appointment);
		const other = await (await pushed(day)).book(day, { ...first, start: Date.parse(at(day.date, "10:00")) });
		expect(other).toMatchObject({ ok: false, code: "IDEMPOTENCY_KEY_REUSED" });
		const view = await stubFor(day).availability(day);
		expect(view.slots.reduce((sum, s) => sum + s.booked, 0)).toBe(1);
	});
});

describe("cancellation", () => {
	const cancelSetup = async () => {
		const day = dayConfig();
		const patientId = unique("p");
		const booked = await (await pushed(day)).book(day, bookRequest(day, "09:00", { patientId }));
		if (!booked.ok) throw new Error("expected a booking");
		return { day, patientId, appointment: booked.appointment };
	};

	it("frees the place exactly once; repeating answers the same cancelled appointment", async () => {
		const { day, patientId, appointment } = await cancelSetup();
		const actor: Actor = { userId: patientId, role: "patient", doctorId: null };
		const first = await stubFor(day).cancel(appointment.id, actor);
		const second = await stubFor(day).cancel(appointment.id, actor);
		expect(first).toMatchObject({ ok: true, changed: true, appointment: { status: "cancelled" } });
		expect(second).toMatchObject({ ok: true, changed: false });
		if (!first.ok || !second.ok) throw new Error("expected cancellations");
		expect(second.appointment).toEqual(first.appointment);
		const view = await stubFor(day).availability(day);
		expect(view.slots[0]).toMatchObject({ booked: 0, status: "available" });
	});

	it.each<[string, (p: string, d: string) => Actor, string | null]>([
		["another patient", () => ({ userId: "someone-else", role: "patient", doctorId: null }), "FORBIDDEN"],
		["another doctor", () => ({ userId: "u", role: "doctor", doctorId: "other-doctor" }), "FORBIDDEN"],
		["the appointment's doctor", (_p, d) => ({ userId: "u", role: "doctor", doctorId: d }), null],
		["an admin", () => ({ userId: "admin", role: "admin", doctorId: null }), null],
	])("lets %s cancel only if allowed", async (_name, actorFor, code) => {
		const { day, patientId, appointment } = await cancelSetup();
		const result = await stubFor(day).cancel(appointment.id, actorFor(patientId, day.doctorId));
		if (code === null) expect(result).toMatchObject({ ok: true });
		else expect(result).toEqual({ ok: false, code });
	});

	it("answers APPOINTMENT_NOT_FOUND for an id the day does not hold", async () => {
		const day = dayConfig();
		const result = await stubFor(day).cancel(`${day.doctorId}.${day.date}.0123456789abcdef`, {
			userId: "admin",
			role: "admin",
			doctorId: null,
		});
		expect(result).toEqual({ ok: false, code: "APPOINTMENT_NOT_FOUND" });
	});
});

describe("versions and configs", () => {
	it("grows the version with every change and never with a read", async () => {
		const day = dayConfig({ capacity: 2 });
		const stub = await pushed(day);
		const v0 = (await stub.availability(day)).version;
		expect((await stub.availability(day)).version).toBe(v0);
		const booked = await stub.book(day, bookRequest(day, "09:00"));
		if (!booked.ok) throw new Error("expected a booking");
		const v1 = (await stub.availability(day)).version;
		expect(v1).toBeGreaterThan(v0);
		await stub.book(day, bookRequest(day, "09:00"));
		await stub.book(day, bookRequest(day, "09:00")); // refused: no change, no new version
		const v2 = (await stub.availability(day)).version;
		expect(v2).toBe(v1 + 1);
		await stub.cancel(booked.appointment.id, { userId: "admin", role: "admin", doctorId: null });
		expect((await stub.availability(day)).version).toBe(v2 + 1);
	});

	it("keeps the newest config: an older one arriving late is ignored", async () => {
		const newer = dayConfig({ version: 5, ranges: [{ start: "14:00", end: "15:00" }] });
		const older = { ...newer, version: 4, ranges: [{ start: "09:00", end: "10:00" }] };
		const stub = stubFor(newer);
		await stub.applyConfig(newer);
		const view = await stub.availability(older);
		expect(view.slots.map((s) => s.time)).toEqual(["14:00", "14:30"]);
	});

	it("lists, never cancels, bookings a new config leaves outside the schedule", async () => {
		const day = dayConfig({ capacity: 2 });
		const stub = await pushed(day);
		const kept = await stub.book(day, bookRequest(day, "09:00"));
		const moved = await stub.book(day, bookRequest(day, "11:30"));
		if (!kept.ok || !moved.ok) throw new Error("expected bookings");
		const shorter = { ...day, version: 2, ranges: [{ start: "09:00", end: "11:00" }] };
		const applied = await stub.applyConfig(shorter);
		expect(applied.affected.map((a) => a.id)).toEqual([moved.appointment.id]);
		expect(await stub.appointment(moved.appointment.id)).toMatchObject({ status: "confirmed" });
		const blocked = {
			...shorter,
			version: 3,
			blocks: [{ id: "b", start: "08:00", end: "09:30", reason: null }],
		};
		const again = await stub.applyConfig(blocked);
		expect(again.affected.map((a) => a.id).sort()).toEqual(
			[kept.appointment.id, moved.appointment.id].sort(),
		);
	});
});

describe("durability and events", () => {
	const row = (id: string) =>
		env.DB.prepare("SELECT status, day_version FROM appointments WHERE id = ?").bind(id).first<{
			status: string;
			day_version: number;
		}>();

	it("repairs a crash between the object's commit and the delivery with its alarm", async () => {
		const day = dayConfig();
		const stub = await pushed(day);
		// Nothing else is delivering, and no alarm can fire: the config's own event has gone out.
		await eventually(async () => ((await stub.eventBacklog()).pending === 0 ? true : null));
		await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
		// Commit a booking's rows exactly as book() does, but "crash" before delivering its events.
		const id = await runInDurableObject(stub, async (_instance: DoctorDay, state) => {
			const store = new DayStore(state.storage);
			const appointment = {
				id: `${day.doctorId}.${day.date}.00000000deadbeef`,
				doctor_id: day.doctorId,
				patient_id: "p-crash",
				date: day.date,
				time: "09:00",
				start: at(day.date, "09:00"),
				end: at(day.date, "09:30"),
				status: "confirmed" as const,
				consultation_mode: "in_person" as const,
				reason: null,
				created_at: new Date().toISOString(),
				cancelled_at: null,
			};
			state.storage.transactionSync(() => {
				store.insert(
					{
						appointment,
						start: Date.parse(appointment.start),
						end: Date.parse(appointment.end),
						bookedBy: "p",
					},
					null,
					Date.now(),
				);
				const version = store.bumpVersion();
				appendDayEvents(
					store,
					[{ type: "appointment.booked", appointment, booked_by: "p" }],
					version,
					Date.now(),
				);
			});
			return appointment.id;
		});
		expect(await row(id)).toBeNull();
		// The crash: the object starts again from its storage.
		await evictDurableObject(stub);
		await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(Date.now() + 60_000));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await row(id)).toMatchObject({ status: "confirmed" });
		expect(await stub.eventBacklog()).toEqual({ pending: 0, deadLetters: [] });
	});

	it("sets its alarm in the same turn as a booking commits, and a repeated alarm is harmless", async () => {
		const day = dayConfig();
		const stub = await pushed(day);
		const booked = await stub.book(day, bookRequest(day, "10:00"));
		if (!booked.ok) throw new Error("expected a booking");
		const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
		expect(alarm).not.toBeNull();
		expect(alarm as number).toBeLessThanOrEqual(Date.now() + 5_000);
		const delivered = { status: "confirmed", day_version: booked.version };
		expect(await eventually(() => row(booked.appointment.id))).toEqual(delivered);
		// Alarms fire at least once: another run delivers nothing twice and changes nothing.
		await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await row(booked.appointment.id)).toEqual(delivered);
		expect(await stub.eventBacklog()).toEqual({ pending: 0, deadLetters: [] });
	});

	it("delivers every booking to D1 exactly once after the answers, however many commit at once", async () => {
		const day = dayConfig({ capacity: 30 });
		const stub = await pushed(day);
		const booked = await Promise.all(
			Array.from({ length: 30 }, () => stub.book(day, bookRequest(day, "11:00"))),
		);
		const ids = booked.map((b) => (b.ok ? b.appointment.id : "refused"));
		expect(ids).not.toContain("refused");
		const versions = await Promise.all(ids.map((id) => eventually(() => row(id))));
		expect(new Set(versions.map((v) => v.day_version)).size).toBe(30);
		const count = await env.DB.prepare(
			"SELECT count(*) AS n FROM appointments WHERE date = ? AND doctor_id = ?",
		)
			.bind(day.date, day.doctorId)
			.first<number>("n");
		expect(count).toBe(30);
		await eventually(async () => ((await stub.eventBacklog()).pending === 0 ? true : null));
	});

	it("backs off a failing consumer without holding up the others, and dead-letters it after its attempts", async () => {
		const day = dayConfig();
		const stub = await pushed(day);
		const booked = await stub.book(day, bookRequest(day, "09:30"));
		if (!booked.ok) throw new Error("expected a booking");
		await eventually(() => row(booked.appointment.id));
		// Make the projection's deliveries fail from now on: its table is renamed away.
		await env.DB.exec("ALTER TABLE appointments RENAME TO appointments_away");
		try {
			const cancelled = await stub.cancel(booked.appointment.id, {
				userId: "admin",
				role: "admin",
				doctorId: null,
			});
			expect(cancelled).toMatchObject({ ok: true, changed: true });
			// Each alarm makes one more attempt (the first came right after the answer); then it is given up.
			for (let run = 0; run < MAX_ATTEMPTS + 2; run++) {
				if ((await stub.eventBacklog()).deadLetters.length > 0) break;
				// Skips the backoff's wait: the retry is made due in storage, read by a fresh instance.
				await runInDurableObject(stub, (_i, state) => {
					state.storage.sql.exec("UPDATE event_cursors SET next_at = 0");
					return state.storage.setAlarm(Date.now() + 60_000);
				});
				await evictDurableObject(stub);
				await runDurableObjectAlarm(stub);
			}
			const backlog = await stub.eventBacklog();
			expect(backlog.pending).toBe(0);
			expect(backlog.deadLetters).toMatchObject([
				{ consumer: "projection", type: "appointment.cancelled", attempts: MAX_ATTEMPTS },
			]);
			// The Doctor object, another consumer, heard of the cancellation all the same.
			const range = await doctorObject(env, day.doctorId).range(day.doctorId, day.date, day.date);
			expect(range.days[0]).toMatchObject({ date: day.date });
		} finally {
			await env.DB.exec("ALTER TABLE appointments_away RENAME TO appointments");
		}
	});

	it("forgets what a transaction that threw wrote into its memory: no event that storage never kept", async () => {
		const day = dayConfig();
		const stub = await pushed(day);
		await eventually(async () => ((await stub.eventBacklog()).pending === 0 ? true : null));
		const owed = await runInDurableObject(stub, (_instance: DoctorDay, state) => {
			const store = new DayStore(state.storage);
			const event = { type: "day.config_changed" } as DayEvent;
			expect(() =>
				store.transaction(() => {
					appendDayEvents(store, [event], store.version(), Date.now());
					throw new Error("rolled back");
				}),
			).toThrow("rolled back");
			return { mine: store.events.nextDue(), stored: new DayStore(state.storage).events.nextDue() };
		});
		expect(owed).toEqual({ mine: null, stored: null });
	});

	it("keeps its bookings when evicted from memory", async () => {
		const day = dayConfig({ capacity: 3 });
		const stub = await pushed(day);
		await stub.book(day, bookRequest(day, "11:00"));
		await evictDurableObject(stub);
		const view = await stubFor(day).availability(day);
		expect(view.slots.find((s) => s.time === "11:00")).toMatchObject({ booked: 1, remaining: 2 });
	});
});

describe("the work of one booking", () => {
	/** The statements that scan the day's appointments (not one by id), and those that read the live holds. */
	const scans = (statements: unknown[][]) => ({
		appointments: statements.filter(([sql]) =>
			/FROM appointments WHERE (status|patient_id)/.test(String(sql)),
		).length,
		holds: statements.filter(([sql]) => /FROM holds WHERE status = 'live'/.test(String(sql))).length,
	});

	it("reads the patient's places and the live holds once each, refused or not, and the day's from memory; no holds, no read", async () => {
		const day = dayConfig({ capacity: 1 });
		const stub = await pushed(day);
		expect(await stub.book(day, bookRequest(day, "09:00"))).toMatchObject({ ok: true });
		await runInDurableObject(stub, async (instance, state) => {
			const exec = vi.spyOn(state.storage.sql, "exec");
			const one = async (time: string, expected: object, holds: number) => {
				exec.mockClear();
				expect(await instance.book(day, bookRequest(day, time))).toMatchObject(expected);
				// The day's places were read by the first booking and are kept since: only the patient's scan.
				expect(scans(exec.mock.calls), time).toEqual({ appointments: 1, holds });
			};
			try {
				await one("09:30", { ok: true }, 0);
				await one("09:00", { ok: false, code: "SLOT_FULL", slot: { booked: 1, status: "full" } }, 0);
				const patientId = unique("p");
				const held = await instance.hold(day, {
					patientId,
					placedBy: patientId,
					start: Date.parse(at(day.date, "11:00")),
					expectedVersion: null,
				});
				expect(held).toMatchObject({ ok: true });
				await one("10:00", { ok: true }, 1);
				await one("09:00", { ok: false, code: "SLOT_FULL", slot: { booked: 1, status: "full" } }, 1);
			} finally {
				exec.mockRestore();
			}
		});
		// The bookings' events are still on their way to D1: let them land before the file's environment goes.
		await eventually(async () => ((await stub.eventBacklog()).pending === 0 ? true : null));
	});
});
