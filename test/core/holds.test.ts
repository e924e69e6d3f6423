// Holds in the count, as "given these holds at this time, when this command, then this": time is injected.
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import { slotViews } from "../../src/core/booking";
import { type BookCommand, type BookState, decideBook } from "../../src/core/day-decider";
import {
	decideExpiry,
	decideHold,
	decideRelease,
	type HoldCommand,
	type HoldRecord,
	type HoldState,
	heldCounts,
	nextExpiry,
} from "../../src/core/holds";
import { bookCommand, bookState, dayConfig, iso, ms, NOW } from "./day-fixtures";

const config = dayConfig({ capacity: 2, holdSeconds: 300 });

/** A hold of `patient` at `time` that expires `seconds` after NOW. */
function hold(
	id: string,
	patient: string,
	time: string,
	seconds = 300,
	status: HoldRecord["status"] = "live",
) {
	return {
		hold: {
			id,
			doctor_id: "dr",
			patient_id: patient,
			start: iso(ms(time)),
			end: iso(ms(time) + 30 * 60_000),
			expires_at: iso(NOW + seconds * 1000),
		},
		status,
		appointmentId: null,
	} satisfies HoldRecord;
}

const holdState = (overrides: Partial<HoldState> = {}): HoldState => ({
	config,
	booked: new Map(),
	holds: [],
	patientHoldsSlot: false,
	patientPlaces: 0,
	dayBookings: 0,
	slotChangedAt: 0,
	...overrides,
});

const holdCommand = (overrides: Partial<HoldCommand> = {}): HoldCommand => ({
	id: "h-new",
	patientId: "p1",
	placedBy: "p1",
	start: ms("09:00"),
	expectedVersion: null,
	...overrides,
});

const outcome = (decision: { kind: string; code?: string }) => decision.code ?? decision.kind;

describe("the count with holds (capacity 2 at 09:00)", () => {
	it.each<[string, number, HoldRecord[], number, string]>([
		["nothing taken", 0, [], NOW, "available"],
		["one booked, one held", 1, [hold("h1", "p2", "09:00")], NOW, "held"],
		["two held", 0, [hold("h1", "p2", "09:00"), hold("h2", "p3", "09:00")], NOW, "held"],
		["two booked, one held (over)", 2, [hold("h1", "p2", "09:00")], NOW, "full"],
		["one booked, one hold past its time", 1, [hold("h1", "p2", "09:00", -1)], NOW, "available"],
		["one booked, one released hold", 1, [hold("h1", "p2", "09:00", 300, "released")], NOW, "available"],
		["one held, at the instant it expires", 1, [hold("h1", "p2", "09:00", 60)], NOW + 60_000, "available"],
	])("%s", (_name, bookedCount, holds, now, status) => {
		const booked = new Map([[ms("09:00"), bookedCount]]);
		const [view] = slotViews(config, booked, now, heldCounts(holds, now));
		expect(view?.status).toBe(status);
		const live = holds.filter((h) => h.status === "live" && Date.parse(h.hold.expires_at) > now).length;
		expect(view).toMatchObject({
			booked: bookedCount,
			held: live,
			remaining: Math.max(0, 2 - bookedCount - live),
		});
	});
});

describe("decideHold", () => {
	it.each<[string, Partial<HoldState>, Partial<HoldCommand>, number, string]>([
		["a free slot", {}, {}, NOW, "placed"],
		[
			"the last place, held by another",
			{ booked: new Map([[ms("09:00"), 1]]), holds: [hold("h1", "p2", "09:00")] },
			{},
			NOW,
			"SLOT_HELD",
		],
		[
			"the last place, its hold expired",
			{ booked: new Map([[ms("09:00"), 1]]), holds: [hold("h1", "p2", "09:00", 10)] },
			{},
			NOW + 10_000,
			"placed",
		],
		["a fully booked slot", { booked: new Map([[ms("09:00"), 2]]) }, {}, NOW, "SLOT_FULL"],
		["a slot the patient booked", { patientHoldsSlot: true }, {}, NOW, "ALREADY_BOOKED"],
		["a patient at the day limit", { patientPlaces: 4 }, {}, NOW, "PATIENT_DAY_LIMIT"],
		[
			"a doctor holding for a patient at the limit",
			{ patientPlaces: 4 },
			{ placedBy: "dr-user" },
			NOW,
			"placed",
		],
		[
			"a slot changed since the page's version",
			{ slotChangedAt: 7 },
			{ expectedVersion: 6 },
			NOW,
			"SLOT_CHANGED",
		],
		[
			"a slot unchanged since the page's version",
			{ slotChangedAt: 7 },
			{ expectedVersion: 7 },
			NOW,
			"placed",
		],
		["a slot in the past", {}, {}, ms("09:00"), "SLOT_IN_PAST"],
	])("%s → %s", (_name, given, when, now, then) => {
		expect(outcome(decideHold(holdState(given), holdCommand(when), now))).toBe(then);
	});

	it("says until when the slot is held", () => {
		const holds = [hold("h1", "p2", "09:00", 100), hold("h2", "p3", "09:00", 50)];
		expect(decideHold(holdState({ holds }), holdCommand(), NOW)).toMatchObject({
			kind: "refused",
			code: "SLOT_HELD",
			heldUntil: NOW + 50_000,
		});
	});

	it("expires after hold_seconds, and replaces the patient's earlier hold on the day", () => {
		const earlier = hold("h-old", "p1", "09:30");
		const decision = decideHold(holdState({ holds: [earlier] }), holdCommand(), NOW);
		if (decision.kind !== "placed") throw new Error("expected a hold");
		expect(decision.hold.expires_at).toBe(iso(NOW + 300_000));
		expect(decision.events).toEqual([
			{ type: "hold.released", hold: earlier.hold, reason: "replaced" },
			{ type: "hold.placed", hold: decision.hold, placed_by: "p1" },
		]);
	});

	it("lets a patient move their own hold onto the last place it occupies", () => {
		const own = hold("h-own", "p1", "09:00");
		const state = holdState({ booked: new Map([[ms("09:00"), 1]]), holds: [own] });
		expect(outcome(decideHold(state, holdCommand(), NOW))).toBe("placed");
	});
});

describe("decideBook with holds", () => {
	const mine = hold("h1", "p1", "09:00");
	const full = { booked: new Map([[ms("09:00"), 1]]) };
	it.each<[string, Partial<BookState>, Partial<BookCommand>, number, string]>([
		[
			"confirming a live hold on the last place",
			{ ...full, holds: [mine], hold: mine },
			{ holdId: "h1" },
			NOW,
			"booked",
		],
		[
			"confirming a hold past its time",
			{ hold: hold("h1", "p1", "09:00", 10) },
			{ holdId: "h1" },
			NOW + 10_000,
			"HOLD_EXPIRED",
		],
		[
			"confirming a released hold",
			{ hold: hold("h1", "p1", "09:00", 300, "released") },
			{ holdId: "h1" },
			NOW,
			"HOLD_EXPIRED",
		],
		["confirming an unknown hold", {}, { holdId: "h1" }, NOW, "HOLD_EXPIRED"],
		[
			"confirming another patient's hold",
			{ hold: hold("h1", "p2", "09:00") },
			{ holdId: "h1" },
			NOW,
			"FORBIDDEN",
		],
		[
			"confirming a hold for another slot",
			{ hold: hold("h1", "p1", "09:30") },
			{ holdId: "h1" },
			NOW,
			"HOLD_MISMATCH",
		],
		[
			"booking the last place another holds",
			{ ...full, holds: [hold("h2", "p2", "09:00")] },
			{},
			NOW,
			"SLOT_HELD",
		],
		["booking the last place one's own hold keeps", { ...full, holds: [mine] }, {}, NOW, "booked"],
		[
			"booking when the hold expired",
			{ ...full, holds: [hold("h2", "p2", "09:00", 5)] },
			{},
			NOW + 5_000,
			"booked",
		],
		[
			"booking a slot changed since the page",
			{ slotChangedAt: 3 },
			{ expectedVersion: 2 },
			NOW,
			"SLOT_CHANGED",
		],
	])("%s → %s", (_name, given, when, now, then) => {
		expect(outcome(decideBook(bookState(config, given), bookCommand(when), now))).toBe(then);
	});

	it("turns the hold into the appointment: hold.released (booked), then appointment.booked", () => {
		const decision = decideBook(
			bookState(config, { holds: [mine], hold: mine }),
			bookCommand({ holdId: "h1" }),
			NOW,
		);
		if (decision.kind !== "booked") throw new Error("expected a booking");
		expect(decision.events.map((e) => e.type)).toEqual(["hold.released", "appointment.booked"]);
		expect(decision.events[0]).toMatchObject({ reason: "booked", hold: { id: "h1" } });
	});

	it("answers a retried confirm with the appointment the hold became", () => {
		const first = decideBook(
			bookState(config, { holds: [mine], hold: mine }),
			bookCommand({ holdId: "h1" }),
			NOW,
		);
		if (first.kind !== "booked") throw new Error("expected a booking");
		const used = { ...mine, status: "booked" as const, appointmentId: first.appointment.id };
		const again = decideBook(
			bookState(config, {
				hold: used,
				holdAppointment: first.appointment,
				booked: new Map([[ms("09:00"), 2]]),
			}),
			bookCommand({ holdId: "h1", id: "other" }),
			NOW + 1000,
		);
		expect(again).toEqual({ kind: "replayed", appointment: first.appointment });
	});
});

describe("release and expiry", () => {
	const owner: Actor = { userId: "p1", role: "patient", doctorId: null };
	const live = hold("h1", "p1", "09:00", 60);

	it.each<[string, HoldRecord | null, Actor, number, string]>([
		["a live hold, by its patient", live, owner, NOW, "released"],
		["a live hold, by its doctor", live, { userId: "u", role: "doctor", doctorId: "dr" }, NOW, "released"],
		[
			"a live hold, by another patient",
			live,
			{ userId: "p2", role: "patient", doctorId: null },
			NOW,
			"FORBIDDEN",
		],
		["a hold already released", hold("h1", "p1", "09:00", 60, "released"), owner, NOW, "unchanged"],
		["a hold past its time", live, owner, NOW + 60_000, "unchanged"],
		["no hold", null, owner, NOW, "NOT_FOUND"],
	])("releasing %s → %s", (_name, record, actor, now, then) => {
		expect(outcome(decideRelease(record, actor, now))).toBe(then);
	});

	it("expires exactly the live holds whose time has come, and names the next expiry", () => {
		const holds = [
			hold("a", "p1", "09:00", 10),
			hold("b", "p2", "09:00", 20),
			hold("c", "p3", "09:30", 5, "booked"),
		];
		expect(decideExpiry(holds, NOW + 9_999)).toEqual([]);
		expect(decideExpiry(holds, NOW + 10_000)).toEqual([{ type: "hold.expired", hold: holds[0]?.hold }]);
		expect(decideExpiry(holds, NOW + 20_000).length).toBe(2);
		expect(nextExpiry(holds, NOW)).toBe(NOW + 10_000);
		expect(nextExpiry(holds, NOW + 10_000)).toBe(NOW + 20_000);
		expect(nextExpiry(holds, NOW + 20_000)).toBeNull();
	});
});
