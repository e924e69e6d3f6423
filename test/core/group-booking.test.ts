// Family bookings decided as one: every patient into the slot against the counts the others took, or none.
import { describe, expect, it } from "vitest";
import { decideGroupBook, type GroupBookCommand, type GroupBookState } from "../../src/core/day-decider";
import { DATE, dayConfig, NOW } from "./day-fixtures";

const START = Date.parse(`${DATE}T09:00:00.000Z`);
const config = dayConfig({ capacity: 10, holdSeconds: 300 });
const family = ["p1", "dep-a", "dep-b"];
const command = (patientIds = family): GroupBookCommand => ({
	patientIds,
	ids: patientIds.map((p) => `dr.${DATE}.id${p}`),
	bookedBy: "p1",
	start: START,
	consultationMode: "in_person",
	reason: null,
	idempotencyKey: "k",
});
const state = (overrides: Partial<GroupBookState> = {}): GroupBookState => ({
	config,
	booked: new Map(),
	keyed: family.map(() => null),
	inSlot: new Set(),
	places: new Map(),
	holds: [],
	dayBookings: 0,
	hold: null,
	holdAppointment: null,
	slotChangedAt: 0,
	...overrides,
});

describe("decideGroupBook", () => {
	it.each([
		["room for all three", 7, "booked", 3],
		["room for two of three: none", 8, "SLOT_FULL", 0],
		["full", 10, "SLOT_FULL", 0],
	])("%s (%i booked) → %s", (_name, booked, expected, made) => {
		const decision = decideGroupBook(state({ booked: new Map([[START, booked]]) }), command(), NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(expected);
		expect(decision.kind === "booked" ? decision.appointments.length : 0).toBe(made);
		// A refusal shows the slot's own count, not what the group's first members would have taken.
		if (decision.kind === "refused") expect(decision.booked).toBe(booked);
	});

	it("books each patient under their own id, each an appointment.booked event", () => {
		const decision = decideGroupBook(state(), command(), NOW);
		if (decision.kind !== "booked") throw new Error(decision.kind);
		expect(decision.appointments.map((a) => a.patient_id)).toEqual(family);
		expect(decision.events.map((e) => e.type)).toEqual(Array(3).fill("appointment.booked"));
	});

	it("refuses all when one of them already holds the slot, naming who", () => {
		const decision = decideGroupBook(state({ inSlot: new Set(["dep-b"]) }), command(), NOW);
		expect(decision).toMatchObject({ kind: "refused", code: "ALREADY_BOOKED", patientId: "dep-b" });
	});

	it("answers a retry with the first booking's appointments; the key for another group is refused", () => {
		const first = decideGroupBook(state(), command(), NOW);
		if (first.kind !== "booked") throw new Error(first.kind);
		const keyed = first.appointments;
		expect(decideGroupBook(state({ keyed }), command(), NOW)).toEqual({
			kind: "replayed",
			appointments: keyed,
		});
		expect(decideGroupBook(state({ keyed }), command(["p1", "dep-a", "dep-c"]), NOW)).toEqual({
			kind: "key_reused",
		});
		expect(decideGroupBook(state({ keyed: [keyed[0] ?? null, null, null] }), command(), NOW).kind).toBe(
			"key_reused",
		);
	});
});
