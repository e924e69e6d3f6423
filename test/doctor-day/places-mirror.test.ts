// The day store keeps the places its appointments take in memory, so a booking decision reads no SQL for
// them; what it answers must always be what a fresh store, reading only storage, answers.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import { APPOINTMENT_STATUSES, type AppointmentStatus, holdsPlace } from "../../src/core/lifecycle";
import { DayStore, type PlacesTaken } from "../../src/doctor-day/day-store";
import { doctorDay } from "../../src/doctor-day/stub";
import { unique } from "../helpers";

const DATE = "2030-01-01";
const SLOT_MS = 30 * 60_000;
const FIRST_START = Date.parse(`${DATE}T09:00:00Z`);
const SLOTS = 6;

/** A seeded pseudo-random source, so a failure repeats. */
function random(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

/** Places as text that does not depend on the order the map was filled in. */
function shown(places: PlacesTaken): string {
	const booked = [...places.booked].sort(([a], [b]) => a - b);
	return JSON.stringify({ booked, dayBookings: places.dayBookings });
}

function appointment(id: string, start: number, slots: number, status: AppointmentStatus): Appointment {
	return {
		id,
		doctor_id: "dr-mirror",
		patient_id: unique("p"),
		date: DATE,
		time: new Date(start).toISOString().slice(11, 16),
		start: new Date(start).toISOString(),
		end: new Date(start + slots * SLOT_MS).toISOString(),
		status,
		consultation_mode: "in_person",
		reason: null,
		created_at: new Date(0).toISOString(),
		cancelled_at: null,
	};
}

describe("the day store's places in memory", () => {
	it("answers what storage says after any mix of bookings, status changes, rollbacks, reloads and deletion", async () => {
		const stub = doctorDay(env, unique("places-mirror"), DATE);
		const result = await runInDurableObject(stub, async (_instance, state) => {
			const storage = state.storage;
			const store = new DayStore(storage);
			const rng = random(11);
			const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
			// Most bookings keep a place; some are stored with a status that frees it.
			const status = () =>
				rng() < 0.6 ? pick(["pending", "confirmed"] as const) : pick(APPOINTMENT_STATUSES);
			let ids: string[] = [];
			const counts = { rolledBack: 0, reloaded: 0, deleted: 0, freed: 0, taken: 0, multiSlot: 0 };
			const book = () => {
				const first = Math.floor(rng() * SLOTS);
				const span = Math.min(1 + Math.floor(rng() * 3), SLOTS - first);
				const starts = Array.from({ length: span }, (_, i) => FIRST_START + (first + i) * SLOT_MS);
				const made = appointment(unique("a"), starts[0] as number, span, status());
				const slots = span > 1 ? starts : undefined;
				const stored = { appointment: made, start: starts[0] as number, end: Date.parse(made.end) };
				store.insert({ ...stored, bookedBy: made.patient_id, slots }, null, 0);
				ids.push(made.id);
				if (span > 1) counts.multiSlot++;
			};
			const change = () => {
				const stored = ids.length === 0 ? null : store.find(pick(ids));
				// A status written for an appointment that is not there changes nothing.
				const changed = stored?.appointment ?? appointment(unique("gone"), FIRST_START, 1, "confirmed");
				const to = pick(APPOINTMENT_STATUSES);
				store.updateStatus({ ...changed, status: to });
				if (stored !== null && holdsPlace(stored.appointment.status) !== holdsPlace(to))
					counts[holdsPlace(to) ? "taken" : "freed"]++;
			};
			// Every change writes the schema first, as the object's changes do (a day may have been deleted).
			const write = () => {
				store.ensureWritable();
				if (rng() < 0.5) book();
				else change();
			};
			const found: string[] = [];
			for (let step = 0; step < 400; step++) {
				// What a caller was given before the step: it must not change under it (commit() compares with it).
				const given = store.placesTaken();
				const givenShown = shown(given);
				const roll = rng();
				if (roll < 0.6) {
					store.transaction(() => {
						for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) write();
					});
				} else if (roll < 0.8) {
					// A change whose transaction throws after its writes: storage rolls back, and so does memory.
					const before = ids;
					expect(() =>
						store.transaction(() => {
							ids = [...ids];
							for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) write();
							throw new Error("rolled back");
						}),
					).toThrow("rolled back");
					ids = before;
					counts.rolledBack++;
				} else if (roll < 0.95) {
					// Memory forgotten, then written to before anyone reads it again.
					store.reload();
					if (rng() < 0.5) store.transaction(write);
					counts.reloaded++;
				} else if (roll < 0.97) {
					await store.deleteAll();
					ids = [];
					counts.deleted++;
				}
				const mine = shown(store.placesTaken());
				const stored = shown(new DayStore(storage).placesTaken());
				if (mine !== stored) found.push(`step ${step}: ${mine} != ${stored}`);
				if (shown(given) !== givenShown) found.push(`step ${step}: a given answer changed`);
			}
			return { found, counts };
		});
		expect(result.found).toEqual([]);
		// The walk went through every kind of step (a seed that skipped one would prove less).
		expect(result.counts.rolledBack).toBeGreaterThan(10);
		expect(result.counts.reloaded).toBeGreaterThan(10);
		expect(result.counts.deleted).toBeGreaterThan(0);
		expect(result.counts.freed).toBeGreaterThan(10);
		expect(result.counts.taken).toBeGreaterThan(10);
		expect(result.counts.multiSlot).toBeGreaterThan(10);
	});
});
