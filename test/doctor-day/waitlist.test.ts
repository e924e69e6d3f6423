// The waitlist in the DoctorDay object: a freed place offered in the change that frees it, offer expiry by
// the one alarm across an eviction, an accept racing the expiry, and many accepts of one offer.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import { doctorDay } from "../../src/doctor-day/stub";
import { at, unique } from "../helpers";
import { ageOffers, alarmUntilExpired } from "../holds-time";
import { bookRequest, dayConfig } from "./day-fixtures";

const config = (overrides: Partial<DayConfig> = {}) =>
	dayConfig({ offerSeconds: 900, ranges: [{ start: "09:00", end: "10:00" }], ...overrides });

const patient = (userId: string): Actor => ({ role: "patient", userId, doctorId: null });

const booking = (day: DayConfig, time: string, patientId = unique("p")) =>
	bookRequest(day, time, { patientId });

/** A day whose 09:00 is booked by one patient and 09:30 by another, with `waiters` in line for 09:00. */
async function fullDay(waiters: number, overrides: Partial<DayConfig> = {}) {
	const day = config(overrides);
	const stub = doctorDay(env, day.doctorId, day.date);
	await stub.applyConfig(day);
	const first = await stub.book(day, booking(day, "09:00"));
	await stub.book(day, booking(day, "09:30"));
	if (!first.ok) throw new Error("expected a booking");
	const entries = [];
	for (let i = 0; i < waiters; i++) {
		const joined = await stub.joinWaitlist(day, {
			patientId: unique("w"),
			start: Date.parse(at(day.date, "09:00")),
		});
		if (!joined.ok) throw new Error(`expected to join: ${joined.code}`);
		entries.push(joined.entry);
	}
	return { day, stub, booked: first.appointment, entries };
}

describe("a freed place", () => {
	it("is offered to the first in line in the cancellation's change, and shows held to everyone", async () => {
		const { day, stub, booked, entries } = await fullDay(2);
		expect(entries.map((e) => e.position)).toEqual([1, 2]);
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [first, second] = entries.map((e) => e.id);
		expect(await stub.waitlistEntry(first ?? "", patient(entries[0]?.patient_id ?? ""))).toMatchObject({
			entry: { status: "offered", position: null },
		});
		expect(await stub.waitlistEntry(second ?? "", patient(entries[1]?.patient_id ?? ""))).toMatchObject({
			entry: { status: "waiting", position: 1 },
		});
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "09:00")).toMatchObject({ booked: 0, held: 1, status: "held" });
		// Nobody else can take it, nor join as if it were free.
		expect(await stub.book(day, booking(day, "09:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
	});

	it("is offered when capacity is raised or a block is removed", async () => {
		const { day, stub, entries } = await fullDay(1, { blocks: [] });
		await stub.applyConfig({ ...day, version: 2, capacity: 2 });
		expect(
			await stub.waitlistEntry(entries[0]?.id ?? "", { role: "admin", userId: "admin", doctorId: null }),
		).toMatchObject({
			entry: { status: "offered" },
		});
		const blocked = config({
			blocks: [{ id: "b", start: "09:00", end: "10:00", reason: null }],
			capacity: 1,
		});
		const other = doctorDay(env, blocked.doctorId, blocked.date);
		await other.applyConfig(blocked);
		const joined = await other.joinWaitlist(blocked, { patientId: "p", start: null });
		expect(joined).toMatchObject({ ok: false, code: "DAY_UNAVAILABLE" });
	});

	it("that time alone frees (the day coming back into the horizon) goes to the line before the next booking", async () => {
		const { day, stub, entries } = await fullDay(1);
		// A second place, on a day now beyond the horizon: nobody can have it, so nobody is offered it.
		await stub.applyConfig({ ...day, version: 2, capacity: 2, horizonDays: 2 });
		const [a] = entries;
		if (a === undefined) throw new Error("one entry");
		expect(await stub.waitlistEntry(a.id, patient(a.patient_id))).toMatchObject({
			entry: { status: "waiting" },
		});
		try {
			vi.useFakeTimers({ toFake: ["Date"] });
			vi.setSystemTime(Date.now() + 2 * 86_400_000);
			expect(await stub.book(day, booking(day, "09:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
			expect(await stub.waitlistEntry(a.id, patient(a.patient_id))).toMatchObject({
				entry: { status: "offered" },
			});
		} finally {
			vi.useRealTimers();
		}
	});

	it("declined, passes to the next in line; accepted, is the appointment", async () => {
		const { day, stub, booked, entries } = await fullDay(2);
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [a, b] = entries;
		if (a === undefined || b === undefined) throw new Error("two entries");
		expect(await stub.declineOffer(a.id, patient(a.patient_id))).toMatchObject({
			entry: { status: "declined" },
		});
		const accepted = await stub.acceptOffer(day, b.id, patient(b.patient_id));
		expect(accepted).toMatchObject({
			ok: true,
			appointment: { patient_id: b.patient_id, status: "confirmed" },
		});
		expect(await stub.acceptOffer(day, a.id, patient(a.patient_id))).toMatchObject({ code: "OFFER_EXPIRED" });
	});
});

describe("an offer's expiry", () => {
	afterEach(() => vi.useRealTimers());

	it("is met by the next request at its very end, with no alarm: the place is free for that booking", async () => {
		const { day, stub, booked, entries } = await fullDay(1);
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [a] = entries;
		if (a === undefined) throw new Error("one entry");
		const offered = await stub.waitlistEntry(a.id, patient(a.patient_id));
		if (!offered.ok) throw new Error("expected an offer");
		const ends = Date.parse(offered.entry.offer_expires_at ?? "");
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(ends - 1);
		expect(await stub.book(day, booking(day, "09:00"))).toMatchObject({ ok: false, code: "SLOT_HELD" });
		vi.setSystemTime(ends);
		expect(await stub.book(day, booking(day, "09:00"))).toMatchObject({ ok: true });
		expect(await stub.waitlistEntry(a.id, patient(a.patient_id))).toMatchObject({
			entry: { status: "expired" },
		});
	});

	it("passes the place on by the object's alarm, with the object evicted in between", async () => {
		const { stub, booked, entries } = await fullDay(2);
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [a, b] = entries;
		if (a === undefined || b === undefined) throw new Error("two entries");
		await ageOffers(stub, 900_000); // evicts the object too
		await alarmUntilExpired(stub, `${a.id}.offer`);
		expect(await stub.waitlistEntry(a.id, patient(a.patient_id))).toMatchObject({
			entry: { status: "expired" },
		});
		const next = await stub.waitlistEntry(b.id, patient(b.patient_id));
		expect(next).toMatchObject({ entry: { status: "offered" } });
		// The next offer's end is on the one alarm's timers too.
		const due = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql
				.exec<{ due_at: number }>("SELECT due_at FROM timers WHERE name = 'expire-holds'")
				.one(),
		);
		expect(next.ok && due.due_at).toBe(next.ok && Date.parse(next.entry.offer_expires_at ?? ""));
	});

	it("wins over an accept that races it: OFFER_EXPIRED, and the place goes to the next", async () => {
		const { day, stub, booked, entries } = await fullDay(2);
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [a, b] = entries;
		if (a === undefined || b === undefined) throw new Error("two entries");
		await ageOffers(stub, 900_000);
		const [accepted] = await Promise.all([
			stub.acceptOffer(day, a.id, patient(a.patient_id)),
			runDurableObjectAlarm(stub),
		]);
		expect(accepted).toEqual({ ok: false, code: "OFFER_EXPIRED" });
		expect(await stub.waitlistEntry(b.id, patient(b.patient_id))).toMatchObject({
			entry: { status: "offered" },
		});
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "09:00")).toMatchObject({ booked: 0, held: 1 });
	});
});

describe("accepting one offer", () => {
	it("50 concurrent accepts make exactly one appointment", async () => {
		const { day, stub, booked, entries } = await fullDay(1, { capacity: 1 });
		await stub.cancel(booked.id, patient(booked.patient_id));
		const [a] = entries;
		if (a === undefined) throw new Error("one entry");
		const answers = await Promise.all(
			Array.from({ length: 50 }, () => stub.acceptOffer(day, a.id, patient(a.patient_id))),
		);
		expect(answers.filter((r) => r.ok).length).toBe(1);
		expect(new Set(answers.map((r) => (r.ok ? "ok" : r.code)))).toEqual(new Set(["ok", "ALREADY_BOOKED"]));
		const view = await stub.availability(day);
		expect(view.slots.find((s) => s.time === "09:00")).toMatchObject({ booked: 1, held: 0, status: "full" });
	});
});
