// The waitlist's rules as "given this day at this time, when this command, then this": time is injected.
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import type { BookState, DayEvent } from "../../src/core/day-decider";
import type { HoldRecord } from "../../src/core/holds";
import {
	decideAccept,
	decideDecline,
	decideJoin,
	decideLeave,
	decideOfferExpiry,
	decideOffers,
	freePlaces,
	offerHoldId,
	positionOf,
	type WaitlistEntry,
	type WaitlistState,
} from "../../src/core/waitlist";
import { bookCommand, bookState, DATE, dayConfig, iso, ms, NOW } from "./day-fixtures";

const config = dayConfig({ offerSeconds: 600 });
/** Both slots of the day (09:00, 09:30) booked by others. */
const FULL = new Map([
	[ms("09:00"), 1],
	[ms("09:30"), 1],
]);

function entry(
	id: string,
	patient: string,
	time: string | null,
	status: WaitlistEntry["status"] = "waiting",
) {
	return {
		id,
		doctor_id: "dr",
		patient_id: patient,
		date: DATE,
		start: time === null ? null : iso(ms(time)),
		status,
		created_at: iso(NOW - 60_000),
		offered_start: null,
		offered_time: null,
		offer_expires_at: null,
		hold_id: null,
		appointment_id: null,
	} satisfies WaitlistEntry;
}

const state = (overrides: Partial<WaitlistState> = {}): WaitlistState => ({
	config,
	booked: FULL,
	holds: [],
	entries: [],
	places: new Map(),
	...overrides,
});

/** The (entry, slot time) pairs of a decision's offers. */
function offers(events: DayEvent[]): [string, string][] {
	return events.flatMap((e) =>
		e.type === "waitlist.offered" ? [[e.entry.id, e.hold.start.slice(11, 16)]] : [],
	);
}

/** An entry once offered `time` at NOW, with its hold. */
function offered(id: string, patient: string, time: string, expiresIn = 600_000) {
	const expires = iso(NOW + expiresIn);
	const e: WaitlistEntry = {
		...entry(id, patient, time),
		status: "offered",
		offered_start: iso(ms(time)),
		offered_time: time,
		offer_expires_at: expires,
		hold_id: offerHoldId(id),
	};
	const hold: HoldRecord = {
		hold: {
			id: offerHoldId(id),
			doctor_id: "dr",
			patient_id: patient,
			start: iso(ms(time)),
			end: iso(ms(time) + 30 * 60_000),
			expires_at: expires,
		},
		status: "live",
		appointmentId: null,
		entryId: id,
	};
	return { entry: e, hold };
}

describe("joining", () => {
	const cases: { name: string; given: Partial<WaitlistState>; start: string | null; code: string | null }[] =
		[
			{ name: "a full slot", given: {}, start: "09:00", code: null },
			{ name: "a full day (any slot)", given: {}, start: null, code: null },
			{
				name: "a slot with a free place",
				given: { booked: new Map() },
				start: "09:00",
				code: "SLOT_AVAILABLE",
			},
			{
				name: "any slot of a day with one free place",
				given: { booked: new Map([[ms("09:00"), 1]]) },
				start: null,
				code: "SLOT_AVAILABLE",
			},
			{ name: "no slot starts there", given: {}, start: "09:10", code: "SLOT_NOT_FOUND" },
			{
				name: "the same slot twice",
				given: { entries: [entry("w1", "p1", "09:00")] },
				start: "09:00",
				code: "ALREADY_WAITING",
			},
			{
				name: "any slot twice",
				given: { entries: [entry("w1", "p1", null)] },
				start: null,
				code: "ALREADY_WAITING",
			},
			{
				name: "a slot, after a day-wide entry",
				given: { entries: [entry("w1", "p1", null)] },
				start: "09:00",
				code: null,
			},
			{
				name: "again after the first entry ended",
				given: { entries: [entry("w1", "p1", "09:00", "declined")] },
				start: "09:00",
				code: null,
			},
			{
				name: "a slot the patient already booked",
				given: { places: new Map([["p1", { count: 1, starts: new Set([ms("09:00")]) }]]) },
				start: "09:00",
				code: "ALREADY_BOOKED",
			},
			{
				name: "a day not enabled",
				given: { config: { ...config, ranges: [] } },
				start: null,
				code: "DAY_UNAVAILABLE",
			},
			{
				name: "a slot the only free place of which is held by another",
				given: { booked: new Map([[ms("09:30"), 1]]), holds: [offered("x", "p9", "09:00").hold] },
				start: "09:00",
				code: null,
			},
		];
	for (const c of cases) {
		it(`${c.code ?? "joins"}: ${c.name}`, () => {
			const start = c.start === null ? null : ms(c.start);
			const decision = decideJoin(state(c.given), { id: "w-new", patientId: "p1", start }, NOW);
			if (c.code !== null) return expect(decision).toEqual({ kind: "refused", code: c.code });
			expect(decision).toMatchObject({
				kind: "joined",
				entry: { id: "w-new", start: c.start === null ? null : iso(start ?? 0), status: "waiting" },
			});
		});
	}

	it("positions count only the waiting entries ahead that want a place this one could take", () => {
		const line = [
			entry("a", "p1", "09:00"),
			entry("b", "p2", "09:30"),
			entry("c", "p3", null),
			entry("d", "p4", "09:00", "offered"),
			entry("e", "p5", "09:00"),
		];
		expect(line.map((e) => positionOf(line, e))).toEqual([1, 1, 3, null, 3]);
	});
});

describe("offers", () => {
	it("a freed place goes to the first entry that fits, FIFO, as a hold for offer_seconds", () => {
		const entries = [entry("a", "p1", "09:30"), entry("b", "p2", "09:00"), entry("c", "p3", "09:00")];
		const booked = new Map([[ms("09:30"), 1]]); // 09:00 freed
		const events = decideOffers(state({ booked, entries }), NOW);
		expect(offers(events)).toEqual([["b", "09:00"]]);
		expect(events[0]).toMatchObject({
			entry: { status: "offered", offer_expires_at: iso(NOW + 600_000), offered_time: "09:00" },
			hold: { id: offerHoldId("b"), patient_id: "p2", expires_at: iso(NOW + 600_000) },
		});
	});

	it("an entry for any slot takes the earliest free one; one place goes to one entry only", () => {
		const entries = [entry("a", "p1", null), entry("b", "p2", null), entry("c", "p3", "09:30")];
		const events = decideOffers(state({ booked: new Map(), entries }), NOW);
		expect(offers(events)).toEqual([
			["a", "09:00"],
			["b", "09:30"],
		]);
	});

	it("an entry for a specific slot waits while an earlier slot frees", () => {
		const entries = [entry("a", "p1", "09:30"), entry("b", "p2", null)];
		const booked = new Map([[ms("09:30"), 1]]);
		expect(offers(decideOffers(state({ booked, entries }), NOW))).toEqual([["b", "09:00"]]);
	});

	it("nothing is offered while the place is held (by another offer, or a patient's hold)", () => {
		const held = offered("x", "p9", "09:00");
		const entries = [held.entry, entry("a", "p1", "09:00")];
		const booked = new Map([[ms("09:30"), 1]]);
		expect(decideOffers(state({ booked, entries, holds: [held.hold] }), NOW)).toEqual([]);
	});

	it("a patient is not offered a slot they hold, nor beyond their day's limit", () => {
		const entries = [entry("a", "p1", null), entry("b", "p2", null)];
		const places = new Map([
			["p1", { count: 1, starts: new Set([ms("09:00")]) }],
			["p2", { count: 4, starts: new Set<number>() }],
		]);
		const booked = new Map([[ms("09:00"), 1]]);
		const events = decideOffers(state({ booked, entries, places, config: { ...config, capacity: 2 } }), NOW);
		expect(offers(events)).toEqual([["a", "09:30"]]);
	});

	it("past, blocked and closed slots are never offered", () => {
		const entries = [entry("a", "p1", null)];
		const blocked = { ...config, blocks: [{ id: "b", start: "09:00", end: "10:00", reason: null }] };
		expect(decideOffers(state({ booked: new Map(), entries, config: blocked }), NOW)).toEqual([]);
		expect(decideOffers(state({ booked: new Map(), entries }), ms("09:45"))).toEqual([]);
		expect(freePlaces(state({ booked: new Map() }), ms("09:15"))).toEqual(new Map([[ms("09:30"), 1]]));
	});

	it("the schedule's rules bind offers: capacity per range, reserved places, max_per_day", () => {
		const entries = [entry("a", "p1", null), entry("b", "p2", null), entry("c", "p3", null)];
		const none = new Map<number, number>();
		const perRange = { ...config, ranges: [{ start: "09:00", end: "10:00", capacity: 2 }] };
		expect(freePlaces(state({ booked: none, config: perRange }), NOW)).toEqual(
			new Map([
				[ms("09:00"), 2],
				[ms("09:30"), 2],
			]),
		);
		const reserved = { ...config, capacity: 2, reservedPlaces: 1 };
		const oneEach = new Map([[ms("09:00"), 1]]);
		expect(offers(decideOffers(state({ booked: oneEach, entries, config: reserved }), NOW))).toEqual([
			["a", "09:30"],
		]);
		const maxTwo = { ...config, capacity: 3, maxPerDay: 2 };
		expect(
			offers(decideOffers(state({ booked: oneEach, entries, config: maxTwo, dayBookings: 1 }), NOW)),
		).toEqual([["a", "09:00"]]);
		expect(decideOffers(state({ booked: oneEach, entries, config: maxTwo, dayBookings: 2 }), NOW)).toEqual(
			[],
		);
	});

	it("a day at max_per_day can be waited for", () => {
		const maxOne = { ...config, capacity: 3, maxPerDay: 1 };
		const booked = new Map([[ms("09:00"), 1]]);
		const join = decideJoin(
			state({ booked, config: maxOne, dayBookings: 1 }),
			{ id: "w", patientId: "p1", start: null },
			NOW,
		);
		expect(join).toMatchObject({ kind: "joined" });
	});

	it("expired holds count as free: the place goes to the next in line", () => {
		const gone = offered("x", "p9", "09:00", -1);
		const entries = [entry("a", "p1", "09:00")];
		const booked = new Map([[ms("09:30"), 1]]);
		expect(offers(decideOffers(state({ booked, entries, holds: [gone.hold] }), NOW))).toEqual([
			["a", "09:00"],
		]);
	});
});

describe("an offer's end", () => {
	const patient: Actor = { role: "patient", userId: "p1", doctorId: null };
	const other: Actor = { role: "patient", userId: "p2", doctorId: null };
	const { entry: offer, hold } = offered("a", "p1", "09:00");
	const book = (overrides: Partial<BookState> = {}) =>
		bookState(config, {
			booked: new Map([[ms("09:30"), 1]]),
			holds: [hold],
			hold,
			dayBookings: 1,
			...overrides,
		});
	const command = bookCommand({ id: "appt-1", holdId: hold.hold.id });

	it("accepting books the offer's hold, and the entry turns accepted", () => {
		const decision = decideAccept(offer, patient, book(), command, NOW);
		expect(decision).toMatchObject({
			kind: "accepted",
			entry: { status: "accepted", appointment_id: "appt-1" },
		});
		if (decision.kind !== "accepted") return;
		expect(decision.events.map((e) => e.type)).toEqual([
			"hold.released",
			"appointment.booked",
			"waitlist.accepted",
		]);
	});

	const refusals: { name: string; entry: WaitlistEntry | null; actor: Actor; at: number; code: string }[] = [
		{ name: "no such entry", entry: null, actor: patient, at: NOW, code: "NOT_FOUND" },
		{ name: "another patient's offer", entry: offer, actor: other, at: NOW, code: "FORBIDDEN" },
		{ name: "at the offer's expiry", entry: offer, actor: patient, at: NOW + 600_000, code: "OFFER_EXPIRED" },
		{
			name: "an entry still waiting",
			entry: entry("a", "p1", "09:00"),
			actor: patient,
			at: NOW,
			code: "OFFER_EXPIRED",
		},
		{
			name: "accepted already",
			entry: { ...offer, status: "accepted" },
			actor: patient,
			at: NOW,
			code: "ALREADY_BOOKED",
		},
	];
	for (const r of refusals) {
		it(`accept refused ${r.code}: ${r.name}`, () => {
			expect(decideAccept(r.entry, r.actor, book(), command, r.at)).toEqual({
				kind: "refused",
				code: r.code,
			});
		});
	}

	it("declining releases the hold (the place goes on) and is harmless twice", () => {
		const decision = decideDecline(offer, hold, patient, NOW);
		expect(decision).toMatchObject({ kind: "changed", entry: { status: "declined" } });
		if (decision.kind !== "changed") return;
		expect(decision.events.map((e) => e.type)).toEqual(["hold.released", "waitlist.declined"]);
		expect(decideDecline(decision.entry, hold, patient, NOW)).toMatchObject({ kind: "unchanged" });
		expect(decideDecline(offer, hold, other, NOW)).toEqual({ kind: "refused", code: "FORBIDDEN" });
		expect(decideDecline(offer, hold, patient, NOW + 600_000)).toEqual({
			kind: "refused",
			code: "OFFER_EXPIRED",
		});
	});

	it("leaving while waiting, while offered (the hold goes), and again", () => {
		const waiting = decideLeave(entry("w", "p1", null), null, patient, NOW);
		expect(waiting).toMatchObject({ kind: "changed", events: [{ type: "waitlist.left" }] });
		const left = decideLeave(offer, hold, patient, NOW);
		expect(left).toMatchObject({
			kind: "changed",
			events: [{ type: "hold.released" }, { type: "waitlist.left" }],
		});
		if (left.kind !== "changed") return;
		expect(decideLeave(left.entry, hold, patient, NOW)).toMatchObject({ kind: "unchanged" });
	});

	it("expiry ends the offers whose time is up, none before", () => {
		expect(decideOfferExpiry([offer], NOW + 599_999)).toEqual([]);
		expect(decideOfferExpiry([offer, entry("w", "p2", null)], NOW + 600_000)).toEqual([
			{ type: "waitlist.expired", entry: { ...offer, status: "expired" } },
		]);
	});
});
