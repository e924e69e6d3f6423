// Holds in the DoctorDay object: expiry by its one alarm (across an eviction, pushed to watchers), a confirm
// racing the expiry, and many confirms of one hold racing each other.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DayConfig } from "../../src/core/day-config";
import type { HoldRequest } from "../../src/doctor-day/results";
import { doctorDay } from "../../src/doctor-day/stub";
import { api, at, createDoctor, createPatient, inDays, unique } from "../helpers";
import { ageHolds, alarmUntilExpired } from "../holds-time";
import { openSocket } from "../live/inbox";
import { bookRequest, dayConfig, pushed } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) => dayConfig({ holdSeconds: 300, ...overrides });

const holdRequest = (day: DayConfig, time: string, patientId = unique("p")): HoldRequest => ({
	patientId,
	placedBy: patientId,
	start: Date.parse(at(day.date, time)),
	expectedVersion: null,
});

const confirm = (day: DayConfig, time: string, patientId: string, holdId: string) =>
	bookRequest(day, time, { patientId, holdId, expectedVersion: null });

describe("a hold's expiry", () => {
	it("frees the place by the object's alarm, with the object evicted in between, and tells every watcher", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const date = inDays(5);
		const start = at(date, "10:00");
		const inbox = await openSocket(`/api/doctors/${doctor.id}/availability/date/${date}/live`);
		const snapshot = await inbox.next();
		const held = await api("POST", "/api/holds", {
			headers: { authorization: `Bearer ${patient.token}` },
			body: { doctor_id: doctor.id, start },
		});
		expect(held.status).toBe(201);
		const placed = await inbox.next();
		expect(placed).toMatchObject({ type: "update", version: snapshot.version + 1 });
		expect(placed.slots).toEqual([expect.objectContaining({ start, held: 1, remaining: 0, status: "held" })]);

		const stub = doctorDay(env, doctor.id, date);
		await ageHolds(stub, 300_000); // evicts the object too
		await alarmUntilExpired(stub, held.body.hold.id);

		const freed = await inbox.next();
		expect(freed).toMatchObject({ type: "update", version: snapshot.version + 2 });
		expect(freed.slots).toEqual([
			expect.objectContaining({ start, held: 0, remaining: 1, status: "available" }),
		]);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots.find((s: { start: string }) => s.start === start)).toMatchObject({ held: 0 });
		const stored = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ status: string }>("SELECT status FROM holds").toArray(),
		);
		expect(stored).toEqual([{ status: "expired" }]);
		// Alarms repeat: running it again expires nothing twice.
		await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
		await runDurableObjectAlarm(stub);
		expect(await inbox.silentFor(200)).toBe(true);
		inbox.close();
	});

	it("is pushed live on a slot with places left too, where the status stays available", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const date = inDays(6);
		const start = at(date, "10:00");
		const inbox = await openSocket(`/api/doctors/${doctor.id}/availability/date/${date}/live`);
		await inbox.next();
		const held = await api("POST", "/api/holds", {
			headers: { authorization: `Bearer ${patient.token}` },
			body: { doctor_id: doctor.id, start },
		});
		expect(held.status).toBe(201);
		const placed = await inbox.next();
		expect(placed.slots).toEqual([
			expect.objectContaining({ start, held: 1, remaining: 1, status: "available" }),
		]);
		const stub = doctorDay(env, doctor.id, date);
		await ageHolds(stub, 300_000);
		await alarmUntilExpired(stub, held.body.hold.id);
		const freed = await inbox.next();
		expect(freed.slots).toEqual([
			expect.objectContaining({ start, held: 0, remaining: 2, status: "available" }),
		]);
		inbox.close();
	});

	it("books nothing for a confirm that races the expiry: HOLD_EXPIRED, and the place is free", async () => {
		const day = config();
		const stub = await pushed(day);
		const request = holdRequest(day, "10:00");
		const placed = await stub.hold(day, request);
		if (!placed.ok) throw new Error("expected a hold");
		await ageHolds(stub, 300_000);
		const [confirmed] = await Promise.all([
			stub.book(day, confirm(day, "10:00", request.patientId, placed.hold.id)),
			runDurableObjectAlarm(stub),
		]);
		expect(confirmed).toMatchObject({ ok: false, code: "HOLD_EXPIRED" });
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "10:00")).toMatchObject({
			booked: 0,
			held: 0,
			status: "available",
		});
		const other = holdRequest(day, "10:00");
		expect(await stub.hold(day, other)).toMatchObject({ ok: true });
	});

	it("keeps a place for the patient who holds it until the very end", async () => {
		const day = config();
		const stub = await pushed(day);
		const request = holdRequest(day, "10:00");
		const placed = await stub.hold(day, request);
		if (!placed.ok) throw new Error("expected a hold");
		await ageHolds(stub, 299_000); // one second left
		expect(await stub.hold(day, holdRequest(day, "10:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
		expect(await stub.book(day, confirm(day, "10:00", request.patientId, placed.hold.id))).toMatchObject({
			ok: true,
		});
	});
});

describe("a hold's end, met by the next request (no alarm runs)", () => {
	afterEach(() => vi.useRealTimers());

	it("is honoured up to its expires_at, and freed at that very instant for the next booking", async () => {
		const day = config();
		const stub = await pushed(day);
		const placed = await stub.hold(day, holdRequest(day, "10:00"));
		if (!placed.ok) throw new Error("expected a hold");
		const ends = Date.parse(placed.hold.expires_at);
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(ends - 1);
		expect(await stub.book(day, bookRequest(day, "10:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
		vi.setSystemTime(ends);
		expect(await stub.book(day, bookRequest(day, "10:00"))).toMatchObject({ ok: true });
		const stored = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ status: string }>("SELECT status FROM holds").toArray(),
		);
		expect(stored).toEqual([{ status: "expired" }]);
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "10:00")).toMatchObject({ booked: 1, held: 0, status: "full" });
	});

	it("costs a booking no transaction of its own while nothing is due, through holds placed and confirmed", async () => {
		const day = config({ capacity: 2 });
		const stub = await pushed(day);
		const request = holdRequest(day, "10:00");
		const placed = await stub.hold(day, request);
		if (!placed.ok) throw new Error("expected a hold");
		await runInDurableObject(stub, async (instance, state) => {
			const transactions = vi.spyOn(state.storage, "transactionSync");
			expect(await instance.book(day, bookRequest(day, "10:30"))).toMatchObject({ ok: true });
			expect(
				await instance.book(day, confirm(day, "10:00", request.patientId, placed.hold.id)),
			).toMatchObject({
				ok: true,
			});
			expect(await instance.book(day, bookRequest(day, "11:00"))).toMatchObject({ ok: true });
			expect(transactions).toHaveBeenCalledTimes(3);
		});
	});
});

describe("confirming one hold", () => {
	it("50 concurrent confirms of one hold make exactly one appointment, and every answer is that one", async () => {
		const day = config({ capacity: 3 });
		const stub = await pushed(day);
		const request = holdRequest(day, "11:00");
		const placed = await stub.hold(day, request);
		if (!placed.ok) throw new Error("expected a hold");
		const answers = await Promise.all(
			Array.from({ length: 50 }, () =>
				stub.book(day, confirm(day, "11:00", request.patientId, placed.hold.id)),
			),
		);
		const ids = new Set(answers.map((a) => (a.ok ? a.appointment.id : a.code)));
		expect(ids.size).toBe(1);
		expect(answers.filter((a) => a.ok && !a.replayed).length).toBe(1);
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "11:00")).toMatchObject({ booked: 1, held: 0, remaining: 2 });
	});
});
