// Rescheduling decided as pure functions (time injected): who may start one, one saga per appointment, the
// same-day decision that secures the new place before the old one goes, and the release of the old one.
import { describe, expect, it } from "vitest";
import { type Actor, type Appointment, createAppointment } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import type { BookState, DayEvent } from "../../src/core/day-decider";
import { decideHold, type HoldRecord } from "../../src/core/holds";
import type { AppointmentStatus } from "../../src/core/lifecycle";
import { isNotifiable, notificationsFor } from "../../src/core/notifications";
import {
	decideRelease,
	decideRescheduleStart,
	decideSameDayReschedule,
	markMovedOn,
	newBooking,
	oldMovedOn,
	type RescheduleCommand,
	type RescheduleSaga,
	rescheduleType,
	type SagaStep,
	undoActor,
} from "../../src/core/reschedule";
import { bookState, DATE, dayConfig, ms, NOW } from "./day-fixtures";

const config = dayConfig({ doctorId: "dr-a", holdSeconds: 300, ranges: [{ start: "09:00", end: "11:00" }] });
const patient: Actor = { userId: "p1", role: "patient", doctorId: null };
const doctor: Actor = { userId: "u-dr-a", role: "doctor", doctorId: "dr-a" };
const admin: Actor = { userId: "admin", role: "admin", doctorId: null };
const stranger: Actor = { userId: "p2", role: "patient", doctorId: null };
const otherDoctor: Actor = { userId: "u-dr-b", role: "doctor", doctorId: "dr-b" };

const old: Appointment = createAppointment(
	"dr-a.2027-03-15.old00001",
	config,
	{ patientId: "p1", start: ms("09:00"), consultationMode: "video", reason: "cough" },
	{ start: ms("09:00"), end: ms("09:30"), time: "09:00" },
	NOW - 3600_000,
);
const at = (status: AppointmentStatus): Appointment => ({ ...old, status });
const command = (actor: Actor, key: string | null = "k1", start = ms("10:00")): RescheduleCommand => ({
	actor,
	idempotencyKey: key,
	target: { doctorId: "dr-b", date: "2027-03-16", start },
});
const saga = (step: SagaStep, overrides: Partial<RescheduleSaga> = {}): RescheduleSaga => ({
	appointmentId: old.id,
	actor: patient,
	idempotencyKey: "k1",
	target: command(patient).target,
	holdId: "h1",
	step,
	appointment: null,
	startedAt: NOW,
	...overrides,
});

describe("decideRescheduleStart", () => {
	const cases: [string, Appointment | null, RescheduleSaga | null, RescheduleCommand, string][] = [
		["the patient, a confirmed appointment", old, null, command(patient), "begin"],
		["the doctor", old, null, command(doctor), "begin"],
		["an admin, a pending one", at("pending"), null, command(admin), "begin"],
		["no such appointment", null, null, command(patient), "APPOINTMENT_NOT_FOUND"],
		["another patient", old, null, command(stranger), "FORBIDDEN"],
		["another doctor", old, null, command(otherDoctor), "FORBIDDEN"],
		["cancelled", at("cancelled"), null, command(patient), "INVALID_TRANSITION"],
		["declined", at("declined"), null, command(patient), "INVALID_TRANSITION"],
		["already rescheduled (terminal)", at("rescheduled"), null, command(patient), "INVALID_TRANSITION"],
		["checked in", at("checked_in"), null, command(doctor), "INVALID_TRANSITION"],
		["another request while one runs", old, saga("confirming"), command(patient, "k2"), "INVALID_TRANSITION"],
		["without a key while one runs", old, saga("holding"), command(patient, null), "INVALID_TRANSITION"],
		["the same key, running: resumed", old, saga("confirming"), command(patient), "resume"],
		["the same key, done: answered again", at("rescheduled"), saga("done"), command(patient), "resume"],
		[
			"the same key, another start",
			old,
			saga("holding"),
			command(patient, "k1", ms("10:30")),
			"IDEMPOTENCY_KEY_REUSED",
		],
		["the same key from someone else", old, saga("holding"), command(admin), "INVALID_TRANSITION"],
		[
			"after a done one, a new key",
			at("rescheduled"),
			saga("done"),
			command(patient, "k2"),
			"INVALID_TRANSITION",
		],
	];
	it.each(cases)("%s → %s", (_name, stored, existing, cmd, expected) => {
		const decision = decideRescheduleStart(stored, existing, cmd, NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(expected);
	});

	it("refuses to move an appointment that has begun", () => {
		const decision = decideRescheduleStart(old, null, command(patient), ms("09:00"));
		expect(decision).toEqual({ kind: "refused", code: "SLOT_IN_PAST" });
	});
});

describe("decideRelease: the old appointment gives its place to the new one", () => {
	const to = { ...old, id: "dr-b.2027-03-16.new00001", doctor_id: "dr-b", date: "2027-03-16" };
	it.each([
		["confirmed", "rescheduled", 1],
		["pending", "rescheduled", 1],
		["cancelled", "cancelled", 0],
		["rescheduled", "rescheduled", 0],
	] as const)("%s → %s (%i event)", (from, status, events) => {
		const release = decideRelease(at(from), to, patient, NOW);
		expect(release.previous.status).toBe(status);
		expect(release.events).toHaveLength(events);
		if (events === 1) {
			expect(release.previous.rescheduled_to).toBe(to.id);
			expect(release.previous.history?.at(-1)).toEqual({
				status: "rescheduled",
				at: new Date(NOW).toISOString(),
				by: "p1",
			});
		}
	});
});

const sameDayState = (overrides: Partial<BookState> = {}) =>
	bookState(config, { booked: new Map([[ms("09:00"), 1]]), patientPlaces: 1, dayBookings: 1, ...overrides });

describe("decideSameDayReschedule", () => {
	const sameDay = (start: number, actor = patient) => ({
		...newBooking(old, { ...command(actor), target: { doctorId: "dr-a", date: DATE, start } }, null),
		id: "dr-a.2027-03-15.new00001",
	});

	it("books the new slot and releases the old one in one decision", () => {
		const decision = decideSameDayReschedule(
			sameDayState(),
			old,
			[ms("09:00")],
			sameDay(ms("10:00")),
			patient,
			NOW,
		);
		expect(decision.kind).toBe("rescheduled");
		if (decision.kind !== "rescheduled") return;
		expect(decision.appointment).toMatchObject({
			status: "confirmed",
			start: new Date(ms("10:00")).toISOString(),
			consultation_mode: "video",
			reason: "cough",
			rescheduled_from: old.id,
		});
		expect(decision.previous).toMatchObject({
			status: "rescheduled",
			rescheduled_to: decision.appointment.id,
		});
		expect(decision.events.map((e) => e.type)).toEqual(["appointment.booked", "appointment.status_changed"]);
	});

	it.each([
		[
			"the new slot is full",
			sameDayState({
				booked: new Map([
					[ms("09:00"), 1],
					[ms("10:00"), 1],
				]),
			}),
			ms("10:00"),
			"SLOT_FULL",
		],
		["the new slot is the old one", sameDayState({ patientHoldsSlot: true }), ms("09:00"), "ALREADY_BOOKED"],
		["no slot starts there", sameDayState(), ms("10:10"), "SLOT_NOT_FOUND"],
	])("%s → %s, nothing released", (_name, state, start, code) => {
		const decision = decideSameDayReschedule(state, old, [ms("09:00")], sameDay(start), patient, NOW);
		expect(decision).toMatchObject({ kind: "refused", code });
	});

	it("lets a patient at the per-day limit move: the place they give back counts", () => {
		const limited: DayConfig = { ...config, maxPerPatient: 1 };
		const decision = decideSameDayReschedule(
			sameDayState({ config: limited }),
			old,
			[ms("09:00")],
			sameDay(ms("10:00")),
			patient,
			NOW,
		);
		expect(decision.kind).toBe("rescheduled");
	});
});

describe("a reschedule's visit type", () => {
	const typed: DayConfig = { ...config, appointmentTypes: [{ id: "long", name: "Long", slots: 2 }] };
	it.each([
		["asked for: that type", "long", undefined, config, "long"],
		["asked for one slot (null)", null, "long", typed, null],
		["asked for an unknown one: passed on, the booking refuses it", "huge", undefined, typed, "huge"],
		["not asked: the old one's, which the schedule has", undefined, "long", typed, "long"],
		["not asked: the old one's, which this schedule lacks → one slot", undefined, "long", config, null],
		["not asked, the old one had none", undefined, undefined, typed, null],
	] as const)("%s", (_name, requested, kept, schedule, expected) => {
		expect(rescheduleType(schedule, requested, kept)).toBe(expected);
	});

	const longOld: Appointment = {
		...old,
		type: "long",
		end: new Date(ms("10:00")).toISOString(),
	};
	// The long visit at 09:00 takes 09:00 and 09:30; capacity 1.
	const takenByOld = new Map([
		[ms("09:00"), 1],
		[ms("09:30"), 1],
	]);
	const typedMove = (start: number, type: string | null, from: Appointment = longOld) => ({
		...newBooking(
			from,
			{ ...command(patient), target: { doctorId: "dr-a", date: DATE, start, type } },
			null,
			type,
		),
		id: "dr-a.2027-03-15.new00001",
	});
	const decide = (start: number, type: string | null, booked = takenByOld, from = longOld) =>
		decideSameDayReschedule(
			sameDayState({ config: typed, booked, patientHoldsSlot: Date.parse(from.start) === start }),
			from,
			Date.parse(from.start) === ms("09:00") && from.type === "long"
				? [ms("09:00"), ms("09:30")]
				: [ms("09:00")],
			typedMove(start, type, from),
			patient,
			NOW,
		);

	it("a long visit moves one slot later onto its own places, all or none, in one decision", () => {
		const decision = decide(ms("09:30"), "long");
		expect(decision).toMatchObject({
			kind: "rescheduled",
			appointment: {
				type: "long",
				start: new Date(ms("09:30")).toISOString(),
				end: new Date(ms("10:30")).toISOString(),
			},
			previous: { status: "rescheduled" },
		});
	});

	it("a one-slot visit becomes a long one where it is", () => {
		const decision = decide(ms("09:00"), "long", new Map([[ms("09:00"), 1]]), old);
		expect(decision).toMatchObject({ kind: "rescheduled", appointment: { type: "long" } });
	});

	it("a long visit becomes one slot", () => {
		const decision = decide(ms("10:00"), null);
		expect(decision).toMatchObject({
			kind: "rescheduled",
			appointment: { end: new Date(ms("10:30")).toISOString() },
		});
		if (decision.kind === "rescheduled") expect(decision.appointment.type).toBeUndefined();
	});

	it.each([
		["its second slot is full", ms("10:00"), "long", new Map([...takenByOld, [ms("10:30"), 1]]), "SLOT_FULL"],
		["it would run past the range's end", ms("10:30"), "long", takenByOld, "SLOT_NOT_FOUND"],
		["the same visit where it is", ms("09:00"), "long", takenByOld, "ALREADY_BOOKED"],
		["a type the schedule lacks", ms("10:00"), "huge", takenByOld, "UNKNOWN_TYPE"],
	] as const)("%s → %s, nothing released", (_name, start, type, booked, code) => {
		const decision = decide(start, type, booked);
		expect(decision).toMatchObject({ kind: "refused", code });
	});
});

describe("a cancel while the saga runs", () => {
	it.each([
		["confirmed", false],
		["pending", false],
		["cancelled", true],
		["declined", true],
		["checked_in", true],
		["no_show", true],
		["rescheduled", true],
	] as const)("the old appointment %s → moved on: %s (the saga undoes its new place)", (status, expected) => {
		expect(oldMovedOn(at(status), saga("confirming"))).toBe(expected);
	});

	it("a cancel marks a running saga with who cancelled, once; nothing to mark without one, once done, or when still movable", () => {
		const cancelled = at("cancelled");
		expect(markMovedOn(saga("holding"), doctor, cancelled)).toEqual(saga("holding", { movedOnBy: doctor }));
		expect(markMovedOn(saga("holding"), doctor, at("declined"))).toEqual(
			saga("holding", { movedOnBy: doctor }),
		);
		expect(markMovedOn(saga("releasing", { movedOnBy: doctor }), patient, cancelled)).toBeNull();
		expect(markMovedOn(saga("done"), patient, cancelled)).toBeNull();
		expect(markMovedOn(null, patient, cancelled)).toBeNull();
		// A doctor confirming a pending appointment leaves it movable: the saga goes on.
		expect(markMovedOn(saga("confirming"), doctor, at("confirmed"))).toBeNull();
	});

	it.each([
		["the patient cancelled: theirs", saga("confirming", { movedOnBy: patient }), patient],
		["an admin cancelled: theirs", saga("confirming", { movedOnBy: admin }), admin],
		// The move went to dr-b: the old doctor may not touch that appointment, so it is undone as the mover.
		["the old doctor cancelled a move to another doctor", saga("confirming", { movedOnBy: doctor }), patient],
		[
			"the doctor cancelled a move within their days",
			saga("confirming", {
				actor: doctor,
				movedOnBy: doctor,
				target: { doctorId: "dr-a", date: "2027-03-16", start: ms("10:00") },
			}),
			doctor,
		],
		["not marked (a status move by nobody stored)", saga("confirming"), patient],
	])("undone as: %s", (_name, running, expected) => {
		expect(undoActor(running, old.patient_id)).toEqual(expected);
	});
});

describe("a saga's hold step repeated", () => {
	const existing: HoldRecord = {
		hold: {
			id: "h1",
			doctor_id: "dr-b",
			patient_id: "p1",
			start: new Date(ms("10:00")).toISOString(),
			end: new Date(ms("10:30")).toISOString(),
			expires_at: new Date(NOW + 300_000).toISOString(),
		},
		status: "booked",
		appointmentId: "dr-b.2027-03-16.new00001",
	};
	it("answers the hold it placed, whatever it became, and places nothing more", () => {
		const state = {
			config,
			booked: new Map([[ms("10:00"), 1]]),
			holds: [],
			patientHoldsSlot: true,
			patientPlaces: 1,
			slotChangedAt: 0,
			dayBookings: 1,
			existing,
		};
		const decision = decideHold(
			state,
			{ id: "h1", patientId: "p1", placedBy: "p1", start: ms("10:00"), expectedVersion: null },
			NOW,
		);
		expect(decision).toEqual({ kind: "replayed", hold: existing.hold });
	});
});

describe("rescheduled notifications", () => {
	const to: Appointment = { ...old, id: "dr-a.2027-03-15.new00001", time: "10:00", rescheduled_from: old.id };
	const moved = { ...decideRelease(old, to, patient, NOW) };
	const context = { name: "Dr Ada", accountIds: ["u-dr-a"] };
	it("tells the patient and the doctor once, at the old appointment, with both times", () => {
		const [event] = moved.events as [DayEvent];
		expect(isNotifiable(event, "patient")).toBe(true);
		expect(isNotifiable(event, "doctor")).toBe(true);
		const notes = notificationsFor(event, context);
		expect(notes.map((n) => [n.audience, n.type])).toEqual([
			["patient", "rescheduled"],
			["doctor", "rescheduled"],
		]);
		expect(notes.map((n) => [n.title, n.body])).toEqual([
			[
				"Appointment rescheduled",
				"You rescheduled your appointment from Mon 15 Mar 2027 at 09:00 to Mon 15 Mar 2027 at 10:00.",
			],
			[
				"Booking rescheduled",
				"The patient rescheduled the booking from Mon 15 Mar 2027 at 09:00 to Mon 15 Mar 2027 at 10:00.",
			],
		]);
	});
	it("the new booking tells no one again on the same doctor; a new doctor hears of it", () => {
		const booked: DayEvent = { type: "appointment.booked", appointment: to, booked_by: "p1" };
		expect(isNotifiable(booked)).toBe(false);
		expect(notificationsFor(booked, context)).toEqual([]);
		const elsewhere = { ...to, id: "dr-b.2027-03-16.new00001", doctor_id: "dr-b" };
		const other: DayEvent = { type: "appointment.booked", appointment: elsewhere, booked_by: "p1" };
		expect(isNotifiable(other, "patient")).toBe(false);
		expect(notificationsFor(other, { name: "Dr B", accountIds: ["u-dr-b"] }).map((n) => n.audience)).toEqual([
			"doctor",
		]);
	});
});
