// Dependents as pure rules: who a family booking may name (ownership and removal given as facts), what a
// removal cancels, and the owner's right to cancel a dependent's appointment.
import { describe, expect, it } from "vitest";
import { type Actor, type Appointment, createAppointment } from "../../src/core/appointment";
import { decideCancel } from "../../src/core/day-decider";
import { mayBookMember, toCancelOnRemoval } from "../../src/core/dependents";
import type { AppointmentStatus } from "../../src/core/lifecycle";

const NOW = Date.parse("2027-03-10T12:00:00.000Z");
const owner: Actor = { userId: "p1", role: "patient", doctorId: null };
const stranger: Actor = { userId: "p2", role: "patient", doctorId: null };
const otherDoctor: Actor = { userId: "u-dr-b", role: "doctor", doctorId: "dr-b" };

function appointment(
	start: string,
	status: AppointmentStatus = "confirmed",
	patientId = "dep-1",
): Appointment {
	const at = Date.parse(start);
	const made = createAppointment(
		`dr-a.${start.slice(0, 10)}.${patientId}${status}`,
		{ doctorId: "dr-a", date: start.slice(0, 10) },
		{ patientId, start: at, consultationMode: "in_person", reason: null, bookedBy: "p1" },
		{ start: at, end: at + 1_800_000, time: start.slice(11, 16) },
		NOW - 86_400_000,
	);
	return { ...made, status };
}

describe("mayBookMember", () => {
	it.each([
		["the caller", "p1", false, false, true],
		["an owned dependent", "dep-1", true, false, true],
		["an owned dependent, removed", "dep-1", true, true, false],
		["someone else's dependent", "dep-9", false, false, false],
		["someone else's, removed", "dep-9", false, true, false],
	])("%s → %s", (_name, id, owned, removed, expected) => {
		expect(mayBookMember("p1", id, owned, removed)).toBe(expected);
	});
});

describe("toCancelOnRemoval", () => {
	it("takes the appointments still to come that keep a place, and nothing else", () => {
		const list = [
			appointment("2027-03-12T09:00:00.000Z"),
			appointment("2027-03-12T10:00:00.000Z", "pending"),
			appointment("2027-03-12T11:00:00.000Z", "cancelled"),
			appointment("2027-03-12T12:00:00.000Z", "rescheduled"),
			appointment("2027-03-10T11:00:00.000Z"), // begun: the doctor's record
		];
		expect(toCancelOnRemoval(list, NOW).map((a) => a.time)).toEqual(["09:00", "10:00"]);
	});
});

describe("decideCancel by a dependent's owner", () => {
	const dependents = appointment("2027-03-12T09:00:00.000Z");
	it.each([
		["the owner, naming that dependent", owner, "dep-1", "cancelled"],
		["the owner, naming no dependent", owner, undefined, "FORBIDDEN"],
		["the owner, naming another dependent", owner, "dep-2", "FORBIDDEN"],
		["another patient, naming none", stranger, undefined, "FORBIDDEN"],
		["a doctor of another day, naming it (only patients own dependents)", otherDoctor, "dep-1", "FORBIDDEN"],
	] as const)("%s → %s", (_name, actor, ownedDependent, expected) => {
		const decision = decideCancel(dependents, { actor, overrideCutoff: true, ownedDependent }, NOW);
		expect(decision.kind === "refused" ? decision.code : decision.kind).toBe(expected);
		if (decision.kind === "cancelled") expect(decision.appointment.history?.at(-1)?.by).toBe("p1");
	});
});
