// Model-based test of the waitlist in one DoctorDay object: random interleavings of book, hold, release,
// expiry (by the alarm), cancel, join, accept, decline and leave; offers happen by themselves whenever a place
// frees. After every step, against the model's bookings and the object's own line: never more places used
// than capacity, each entry offered at most once (and every place to one entry), offers first come first
// offered, no place left free while an entry that fits it waits, and a live offer's accept never loses.
import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { WaitlistEntry } from "../../src/core/waitlist";
import { doctorDay } from "../../src/doctor-day/stub";
import { dayConfig } from "../doctor-day/day-fixtures";
import { at, unique } from "../helpers";
import { ageOffers, alarmUntilExpired } from "../holds-time";
import { runs, timeLimit } from "./scale";

const TIMES = ["09:00", "09:30"];
const PATIENTS = 4;
const CAPACITY = 1;
const DAY_LIMIT = 2;

type Command =
	| { type: "book" | "hold"; patient: number; time: number }
	| { type: "join"; patient: number; time: number | null }
	| { type: "release" | "expire" | "cancel" | "accept" | "decline" | "leave"; pick: number };

const patient = fc.nat(PATIENTS - 1);
const time = fc.nat(TIMES.length - 1);
const pick = (type: "release" | "expire" | "cancel" | "accept" | "decline" | "leave") =>
	fc.record({ type: fc.constant(type), pick: fc.nat() });
const command: fc.Arbitrary<Command> = fc.oneof(
	{ weight: 4, arbitrary: fc.record({ type: fc.constant("book" as const), patient, time }) },
	{ weight: 2, arbitrary: fc.record({ type: fc.constant("hold" as const), patient, time }) },
	{ weight: 4, arbitrary: fc.record({ type: fc.constant("join" as const), patient, time: fc.option(time) }) },
	{ weight: 1, arbitrary: pick("release") },
	{ weight: 2, arbitrary: pick("expire") },
	{ weight: 3, arbitrary: pick("cancel") },
	{ weight: 3, arbitrary: pick("accept") },
	{ weight: 2, arbitrary: pick("decline") },
	{ weight: 1, arbitrary: pick("leave") },
);

const config = () =>
	dayConfig({
		capacity: CAPACITY,
		maxPerPatient: DAY_LIMIT,
		holdSeconds: 300,
		offerSeconds: 900,
		ranges: [{ start: "09:00", end: "10:00" }],
	});

interface Booking {
	id: string;
	patient: string;
	start: string;
	cancelled: boolean;
}

async function execute(steps: readonly Command[]): Promise<void> {
	const day = config();
	const stub = doctorDay(env, day.doctorId, day.date);
	await stub.applyConfig(day);
	const ids = Array.from({ length: PATIENTS }, () => unique("p"));
	const actor = (userId: string): Actor => ({ userId, role: "patient", doctorId: null });
	const startOf = (t: number) => at(day.date, TIMES[t] ?? "09:00");
	const bookings: Booking[] = [];
	const holds: { id: string; patient: string }[] = [];
	const joined: WaitlistEntry[] = [];
	const everOffered = new Map<string, string>(); // entry id → the hold id it was offered with
	const readLine = () =>
		runInDurableObject(stub, (_i, state) =>
			state.storage.sql
				.exec<{ body: string }>("SELECT body FROM waitlist ORDER BY rowid")
				.toArray()
				.map((r) => JSON.parse(r.body) as WaitlistEntry),
		);
	let line: WaitlistEntry[] = [];

	for (const step of steps) {
		const label = JSON.stringify(step);
		const before = new Map(line.map((e) => [e.id, e]));
		switch (step.type) {
			case "book": {
				const p = ids[step.patient] ?? "";
				const got = await stub.book(day, {
					patientId: p,
					bookedBy: p,
					start: Date.parse(startOf(step.time)),
					consultationMode: "in_person",
					reason: null,
					idempotencyKey: null,
				});
				if (got.ok)
					bookings.push({ id: got.appointment.id, patient: p, start: startOf(step.time), cancelled: false });
				break;
			}
			case "hold": {
				const p = ids[step.patient] ?? "";
				const got = await stub.hold(day, {
					patientId: p,
					placedBy: p,
					start: Date.parse(startOf(step.time)),
					expectedVersion: null,
				});
				if (got.ok) holds.push({ id: got.hold.id, patient: p });
				break;
			}
			case "join": {
				const got = await stub.joinWaitlist(day, {
					patientId: ids[step.patient] ?? "",
					start: step.time === null ? null : Date.parse(startOf(step.time)),
				});
				if (got.ok) joined.push(got.entry);
				break;
			}
			case "release": {
				const hold = holds[step.pick % Math.max(1, holds.length)];
				if (hold)
					expect(await stub.releaseHold(hold.id, actor(hold.patient)), label).toMatchObject({ ok: true });
				break;
			}
			case "expire": {
				// Every live hold and offer ends at once, by the alarm; offers made by that change start afresh.
				const live = await runInDurableObject(stub, (_i, state) =>
					state.storage.sql.exec<{ id: string }>("SELECT id FROM holds WHERE status = 'live'").toArray(),
				);
				const first = live[step.pick % Math.max(1, live.length)];
				if (!first) break;
				await ageOffers(stub, 900_000);
				await alarmUntilExpired(stub, first.id);
				break;
			}
			case "cancel": {
				const booking = bookings[step.pick % Math.max(1, bookings.length)];
				if (!booking) break;
				const got = await stub.cancel(booking.id, actor(booking.patient));
				expect(got, label).toMatchObject({ ok: true, changed: !booking.cancelled });
				booking.cancelled = true;
				break;
			}
			case "accept": {
				const entry = joined[step.pick % Math.max(1, joined.length)];
				if (!entry) break;
				const now = before.get(entry.id);
				const got = await stub.acceptOffer(day, entry.id, actor(entry.patient_id));
				// A live offer's accept never loses: the place was kept for this patient.
				const live = now?.status === "offered" && Date.parse(now.offer_expires_at ?? "") > Date.now();
				expect(got.ok, label).toBe(live);
				if (got.ok)
					bookings.push({
						id: got.appointment.id,
						patient: entry.patient_id,
						start: got.appointment.start,
						cancelled: false,
					});
				break;
			}
			case "decline":
			case "leave": {
				const entry = joined[step.pick % Math.max(1, joined.length)];
				if (!entry) break;
				const who = actor(entry.patient_id);
				const got =
					step.type === "decline"
						? await stub.declineOffer(entry.id, who)
						: await stub.leaveWaitlist(entry.id, who);
				if (step.type === "leave") expect(got.ok, label).toBe(true);
				break;
			}
		}
		line = await readLine();
		const view = await stub.availability(day);
		const live = bookings.filter((b) => !b.cancelled);
		for (const clock of TIMES) {
			const slot = view.slots.find((s) => s.time === clock);
			const start = at(day.date, clock);
			expect(slot?.booked, `${label}: ${clock} booked`).toBe(live.filter((b) => b.start === start).length);
			expect(
				(slot?.booked ?? 0) + (slot?.held ?? 0),
				`${label}: ${clock} within capacity`,
			).toBeLessThanOrEqual(CAPACITY);
		}
		const places = (p: string) => live.filter((b) => b.patient === p);
		const fits = (e: WaitlistEntry, start: string) =>
			(e.start === null || e.start === start) &&
			!places(e.patient_id).some((b) => b.start === start) &&
			places(e.patient_id).length < DAY_LIMIT;
		for (const [index, entry] of line.entries()) {
			if (entry.hold_id === null) continue;
			// Offered once: an entry keeps the one hold it was offered with.
			const seen = everOffered.get(entry.id);
			if (seen !== undefined) expect(entry.hold_id, `${label}: ${entry.id} offered twice`).toBe(seen);
			everOffered.set(entry.id, entry.hold_id);
			// First come, first offered: a new offer has no earlier entry, still waiting, that fit the same place.
			if (before.get(entry.id)?.status === "waiting" && entry.status === "offered") {
				const ahead = line.slice(0, index).filter((e) => e.status === "waiting");
				for (const other of ahead)
					expect(fits(other, entry.offered_start ?? ""), `${label}: ${other.id} skipped`).toBe(false);
			}
		}
		// A place is never left free while an entry that fits it waits.
		for (const slot of view.slots.filter((s) => s.remaining > 0 && s.status === "available"))
			for (const entry of line.filter((e) => e.status === "waiting"))
				expect(fits(entry, slot.start), `${label}: ${slot.time} free while ${entry.id} waits`).toBe(false);
	}
}

describe("the waitlist of one doctor-day, against a model", () => {
	it(
		"never overbooks, offers each place once and in order, and never leaves a place free while one waits",
		async () => {
			await fc.assert(
				fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 14 }), (steps) => execute(steps)),
				// No shrinking: each step costs RPCs, and an unshrunk counterexample is reported within the time limit.
				{ ...runs(20), endOnFailure: true },
			);
		},
		timeLimit(120_000),
	);
});
