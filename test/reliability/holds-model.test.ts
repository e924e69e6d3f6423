// Model-based test of holds in one DoctorDay object: random interleavings of hold, book (plain or confirming a
// hold), release, expiry (by the alarm), cancel and eviction, each checked against a small sequential model:
// the answer's outcome, and afterwards every slot's booked and held counts. Never more places used than
// capacity, at most one live hold per patient, and a live hold's confirm never loses.
import { env, evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import { doctorDay } from "../../src/doctor-day/stub";
import { dayConfig } from "../doctor-day/day-fixtures";
import { at, unique } from "../helpers";
import { ageHolds, alarmUntilExpired } from "../holds-time";
import { runs, timeLimit } from "./scale";

const TIMES = ["09:00", "09:30", "10:00"];
const PATIENTS = 4;
const CAPACITY = 2;
const DAY_LIMIT = 2;

type Command =
	| { type: "hold"; patient: number; time: number }
	| { type: "book"; patient: number; time: number }
	| { type: "confirm"; pick: number }
	| { type: "release"; pick: number }
	| { type: "expire"; pick: number }
	| { type: "cancel"; pick: number }
	| { type: "evict" };

const patient = fc.nat(PATIENTS - 1);
const time = fc.nat(TIMES.length - 1);
const command: fc.Arbitrary<Command> = fc.oneof(
	{ weight: 5, arbitrary: fc.record({ type: fc.constant("hold" as const), patient, time }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant("book" as const), patient, time }) },
	{ weight: 4, arbitrary: fc.record({ type: fc.constant("confirm" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant("release" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant("expire" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant("cancel" as const), pick: fc.nat() }) },
	{ weight: 1, arbitrary: fc.constant({ type: "evict" as const }) },
);

interface ModelHold {
	id: string;
	patient: number;
	time: number;
	status: "live" | "released" | "expired" | "booked";
}

/** What the day should hold: confirmed places per (patient, time), and every hold ever placed. */
class Model {
	booked: { patient: number; time: number; id: string; cancelled: boolean }[] = [];
	holds: ModelHold[] = [];

	bookedAt = (t: number) => this.booked.filter((b) => !b.cancelled && b.time === t).length;
	heldAt = (t: number, except: string | null = null) =>
		this.holds.filter((h) => h.status === "live" && h.time === t && h.id !== except).length;
	places = (p: number) => this.booked.filter((b) => !b.cancelled && b.patient === p).length;
	hasBooked = (p: number, t: number) =>
		this.booked.some((b) => !b.cancelled && b.patient === p && b.time === t);
	liveHold = (p: number) => this.holds.find((h) => h.status === "live" && h.patient === p) ?? null;

	/** The outcome of taking a place at `t` for `p`, `own` being the hold that place comes from. */
	take(p: number, t: number, own: string | null): string {
		if (this.hasBooked(p, t)) return "ALREADY_BOOKED";
		if (this.bookedAt(t) >= CAPACITY) return "SLOT_FULL";
		if (this.bookedAt(t) + this.heldAt(t, own) >= CAPACITY) return "SLOT_HELD";
		if (this.places(p) >= DAY_LIMIT) return "PATIENT_DAY_LIMIT";
		return "ok";
	}
}

const config = () =>
	dayConfig({
		capacity: CAPACITY,
		maxPerPatient: DAY_LIMIT,
		holdSeconds: 300,
		ranges: [{ start: "09:00", end: "10:30" }],
	});

const start = (day: DayConfig, t: number) => Date.parse(at(day.date, TIMES[t] ?? "09:00"));

async function execute(steps: readonly Command[]): Promise<void> {
	const day = config();
	const stub = doctorDay(env, day.doctorId, day.date);
	await stub.applyConfig(day);
	const model = new Model();
	const ids = Array.from({ length: PATIENTS }, () => unique("p"));
	const actor = (p: number): Actor => ({ userId: ids[p] ?? "", role: "patient", doctorId: null });
	const book = (p: number, t: number, holdId: string | null) =>
		stub.book(day, {
			patientId: ids[p] ?? "",
			bookedBy: ids[p] ?? "",
			start: start(day, t),
			consultationMode: "in_person",
			reason: null,
			idempotencyKey: null,
			holdId,
			expectedVersion: null,
		});

	for (const step of steps) {
		const label = JSON.stringify(step);
		switch (step.type) {
			case "hold": {
				const previous = model.liveHold(step.patient);
				const expected = model.take(step.patient, step.time, previous?.id ?? null);
				const got = await stub.hold(day, {
					patientId: ids[step.patient] ?? "",
					placedBy: ids[step.patient] ?? "",
					start: start(day, step.time),
					expectedVersion: null,
				});
				expect(got.ok ? "ok" : got.code, label).toBe(expected);
				if (got.ok) {
					if (previous) previous.status = "released";
					model.holds.push({ id: got.hold.id, patient: step.patient, time: step.time, status: "live" });
				}
				break;
			}
			case "book": {
				const own = model.liveHold(step.patient);
				const mine = own?.time === step.time ? own : null;
				const expected = model.take(step.patient, step.time, mine?.id ?? null);
				const got = await book(step.patient, step.time, null);
				expect(got.ok ? "ok" : got.code, label).toBe(expected);
				if (got.ok) {
					if (mine) mine.status = "booked";
					model.booked.push({
						patient: step.patient,
						time: step.time,
						id: got.appointment.id,
						cancelled: false,
					});
				}
				break;
			}
			case "confirm": {
				const hold = model.holds[step.pick % Math.max(1, model.holds.length)];
				if (!hold) break;
				let expected = "HOLD_EXPIRED";
				if (hold.status === "booked") expected = "replayed";
				if (hold.status === "live") expected = model.take(hold.patient, hold.time, hold.id);
				const got = await book(hold.patient, hold.time, hold.id);
				const outcome = got.ok ? (got.replayed ? "replayed" : "ok") : got.code;
				expect(outcome, label).toBe(expected);
				// A live hold's confirm never loses to anyone: only the patient's own day limit can refuse it.
				if (hold.status === "live") expect(["ok", "PATIENT_DAY_LIMIT"], label).toContain(outcome);
				if (outcome === "ok" && got.ok) {
					hold.status = "booked";
					model.booked.push({
						patient: hold.patient,
						time: hold.time,
						id: got.appointment.id,
						cancelled: false,
					});
				}
				break;
			}
			case "release": {
				const hold = model.holds[step.pick % Math.max(1, model.holds.length)];
				if (!hold) break;
				const got = await stub.releaseHold(hold.id, actor(hold.patient));
				expect(got, label).toMatchObject({ ok: true, changed: hold.status === "live" });
				if (hold.status === "live") hold.status = "released";
				break;
			}
			case "expire": {
				const live = model.holds.filter((h) => h.status === "live");
				const hold = live[step.pick % Math.max(1, live.length)];
				if (!hold) break;
				await ageHolds(stub, 300_000, hold.id);
				await alarmUntilExpired(stub, hold.id);
				hold.status = "expired";
				break;
			}
			case "cancel": {
				const booking = model.booked[step.pick % Math.max(1, model.booked.length)];
				if (!booking) break;
				const got = await stub.cancel(booking.id, actor(booking.patient));
				expect(got, label).toMatchObject({ ok: true, changed: !booking.cancelled });
				booking.cancelled = true;
				break;
			}
			case "evict":
				await evictDurableObject(stub).catch(() => undefined); // rejects when the object is not running
				break;
		}
		const view = await stub.availability(day);
		for (const [t, clock] of TIMES.entries()) {
			const slot = view.slots.find((s) => s.time === clock);
			expect(slot, `${label}: ${clock}`).toMatchObject({ booked: model.bookedAt(t), held: model.heldAt(t) });
			expect(
				(slot?.booked ?? 0) + (slot?.held ?? 0),
				`${label}: ${clock} within capacity`,
			).toBeLessThanOrEqual(CAPACITY);
		}
		for (let p = 0; p < PATIENTS; p++)
			expect(model.holds.filter((h) => h.status === "live" && h.patient === p).length).toBeLessThanOrEqual(1);
	}
}

describe("holds in one doctor-day, against a model", () => {
	it(
		"agrees with the model on every answer and count, whatever the interleaving",
		async () => {
			await fc.assert(
				fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 15 }), (steps) => execute(steps)),
				// No shrinking: each step costs RPCs, and an unshrunk counterexample is reported within the time limit.
				{ ...runs(25), endOnFailure: true },
			);
		},
		timeLimit(120_000),
	);
});
