// The appointment lifecycle: who may move an appointment from which status to which, its history, the
// places each status keeps, and what a requires_approval booking and a doctor's answer cause.
import { describe, expect, it } from "vitest";
import { type Actor, type Appointment, createAppointment, type Role } from "../../src/core/appointment";
import { decideCancel } from "../../src/core/day-decider";
import {
	APPOINTMENT_STATUSES,
	type AppointmentStatus,
	decideStatus,
	holdsPlace,
	STATUS_REQUESTS,
} from "../../src/core/lifecycle";
import { isNotifiable, notificationsFor } from "../../src/core/notifications";
import { APPOINTMENT, NOW } from "./day-fixtures";

const base: Appointment = {
	...APPOINTMENT,
	history: [{ status: "confirmed", at: "2027-03-01T00:00:00.000Z", by: "p1" }],
};
const actors: Record<Role, Actor> = {
	patient: { userId: "p1", role: "patient", doctorId: null },
	doctor: { userId: "u-dr-a", role: "doctor", doctorId: "dr-a" },
	admin: { userId: "admin", role: "admin", doctorId: null },
};
const otherDoctor: Actor = { userId: "u-dr-b", role: "doctor", doctorId: "dr-b" };

// Every move the status endpoint allows, for the doctor and admins alike; anything else is INVALID_TRANSITION.
const ALLOWED: [AppointmentStatus, AppointmentStatus][] = [
	["pending", "confirmed"],
	["pending", "declined"],
	["confirmed", "checked_in"],
	["confirmed", "completed"],
	["confirmed", "no_show"],
	["checked_in", "completed"],
];

const at = (status: AppointmentStatus): Appointment => ({ ...base, status });
const cases = APPOINTMENT_STATUSES.flatMap((from) => STATUS_REQUESTS.map((to) => [from, to] as const));

describe("decideStatus: the doctor and admins", () => {
	it.each(
		(["doctor", "admin"] as const).flatMap((who) => cases.map(([from, to]) => [who, from, to] as const)),
	)("%s: %s → %s", (who, from, to) => {
		const decision = decideStatus(at(from), actors[who], to, NOW);
		if (from === to) expect(decision.kind).toBe("unchanged");
		else if (ALLOWED.some(([f, t]) => f === from && t === to)) expect(decision.kind).toBe("changed");
		else expect(decision).toEqual({ kind: "refused", code: "INVALID_TRANSITION" });
	});
});

describe("decideStatus: who may not", () => {
	it.each(ALLOWED)("the patient cannot move %s → %s", (from, to) => {
		expect(decideStatus(at(from), actors.patient, to, NOW)).toEqual({ kind: "refused", code: "FORBIDDEN" });
	});
	it.each(ALLOWED)("another doctor cannot move %s → %s", (from, to) => {
		expect(decideStatus(at(from), otherDoctor, to, NOW)).toEqual({ kind: "refused", code: "FORBIDDEN" });
	});
	it("an unknown appointment is not found", () => {
		expect(decideStatus(null, actors.doctor, "confirmed", NOW)).toEqual({
			kind: "refused",
			code: "APPOINTMENT_NOT_FOUND",
		});
	});
});

describe("a move", () => {
	it("adds one history entry with the time and the account, and writes one status_changed event", () => {
		const decision = decideStatus(at("pending"), actors.doctor, "confirmed", NOW);
		if (decision.kind !== "changed") throw new Error(decision.kind);
		expect(decision.appointment.status).toBe("confirmed");
		expect(decision.appointment.history?.at(-1)).toEqual({
			status: "confirmed",
			at: "2027-03-10T12:00:00.000Z",
			by: "u-dr-a",
		});
		expect(decision.appointment.history).toHaveLength(2);
		expect(decision.events).toEqual([
			{
				type: "appointment.status_changed",
				appointment: decision.appointment,
				from: "pending",
				changed_by: "doctor",
			},
		]);
	});

	it("an appointment stored before histories existed starts its history at its booking", () => {
		const { history: _h, ...old } = base;
		const decision = decideStatus(old, actors.admin, "checked_in", NOW);
		if (decision.kind !== "changed") throw new Error(decision.kind);
		expect(decision.appointment.history?.map((h) => h.status)).toEqual(["confirmed", "checked_in"]);
	});
});

describe("places", () => {
	it.each<[AppointmentStatus, boolean]>([
		["pending", true],
		["confirmed", true],
		["checked_in", true],
		["completed", true],
		["no_show", true],
		["cancelled", false],
		["declined", false],
		["rescheduled", false],
	])("%s keeps its place: %s", (status, kept) => {
		expect(holdsPlace(status)).toBe(kept);
	});
});

describe("cancelling", () => {
	it.each<[AppointmentStatus, string]>([
		["pending", "cancelled"],
		["confirmed", "cancelled"],
		["cancelled", "unchanged"],
		["declined", "INVALID_TRANSITION"],
		["checked_in", "INVALID_TRANSITION"],
		["completed", "INVALID_TRANSITION"],
		["no_show", "INVALID_TRANSITION"],
	])("a %s appointment: %s", (status, outcome) => {
		const decision = decideCancel(at(status), { actor: actors.patient }, NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(outcome);
	});

	it("records who cancelled in the history", () => {
		const decision = decideCancel(at("pending"), { actor: actors.patient }, NOW);
		if (decision.kind !== "cancelled") throw new Error(decision.kind);
		expect(decision.appointment.history?.at(-1)).toEqual({
			status: "cancelled",
			at: "2027-03-10T12:00:00.000Z",
			by: "p1",
		});
		expect(decision.appointment.cancelled_at).toBe("2027-03-10T12:00:00.000Z");
	});
});

describe("requires_approval", () => {
	const request = {
		patientId: "p1",
		bookedBy: "p1",
		start: 0,
		consultationMode: "in_person" as const,
		reason: null,
	};
	const slot = { start: Date.parse(base.start), end: Date.parse(base.end), time: "09:30" };

	it.each([
		[true, "pending"],
		[false, "confirmed"],
		[undefined, "confirmed"],
	])("requiresApproval %s books %s, with its first history entry", (requiresApproval, status) => {
		const where = { doctorId: "dr-a", date: "2027-03-15", requiresApproval };
		const created = createAppointment("id1", where, request, slot, NOW);
		expect(created.status).toBe(status);
		expect(created.history).toEqual([{ status, at: "2027-03-10T12:00:00.000Z", by: "p1" }]);
	});
});

describe("notifications", () => {
	const doctor = { name: "Dr. Ines Okafor", accountIds: ["u-dr-a"] };
	const lines = (event: Parameters<typeof notificationsFor>[0]) =>
		notificationsFor(event, doctor).map((n) => `${n.recipient} ${n.type}: ${n.title}`);

	it("a pending booking: the patient is told it waits, the doctor that one is to approve", () => {
		const event = { type: "appointment.booked" as const, appointment: at("pending"), booked_by: "p1" };
		expect(lines(event)).toEqual([
			"p1 pending: Booking awaiting approval",
			"u-dr-a pending: Booking to approve",
		]);
	});

	it.each([
		["confirmed", ["p1 confirmed: Appointment confirmed"]],
		["declined", ["p1 declined: Booking declined"]],
		["checked_in", []],
		["completed", []],
		["no_show", []],
	] as const)("moved to %s: %j", (status, expected) => {
		const event = {
			type: "appointment.status_changed" as const,
			appointment: at(status),
			from: "pending" as const,
			changed_by: "doctor" as const,
		};
		expect(isNotifiable(event)).toBe(expected.length > 0);
		expect(lines(event)).toEqual(expected);
	});
});
