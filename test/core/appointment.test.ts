// Appointments as pure values: creation, the idempotent-retry rule, access, and ids that name their day.
import { describe, expect, it } from "vitest";
import {
	type Actor,
	appointmentId,
	canAccessAppointment,
	createAppointment,
	isSameRequest,
	parseAppointmentId,
} from "../../src/core/appointment";

const request = {
	patientId: "p1",
	start: Date.parse("2027-03-15T13:00:00Z"),
	consultationMode: "video" as const,
	reason: "Cough",
};
const slot = { start: request.start, end: request.start + 30 * 60_000, time: "09:00" };
const appointment = createAppointment(
	"dr-a.2027-03-15.0123456789abcdef",
	{ doctorId: "dr-a", date: "2027-03-15" },
	request,
	slot,
	Date.parse("2027-03-01T10:00:00Z"),
);

describe("createAppointment", () => {
	it("makes a confirmed appointment in the API's shape", () => {
		expect(appointment).toEqual({
			id: "dr-a.2027-03-15.0123456789abcdef",
			doctor_id: "dr-a",
			patient_id: "p1",
			date: "2027-03-15",
			time: "09:00",
			start: "2027-03-15T13:00:00.000Z",
			end: "2027-03-15T13:30:00.000Z",
			status: "confirmed",
			consultation_mode: "video",
			reason: "Cough",
			created_at: "2027-03-01T10:00:00.000Z",
			cancelled_at: null,
			history: [{ status: "confirmed", at: "2027-03-01T10:00:00.000Z", by: "p1" }],
		});
	});
});

describe("isSameRequest", () => {
	it.each([
		["the very same request", {}, true],
		["another patient", { patientId: "p2" }, false],
		["another start", { start: request.start + 1 }, false],
		["another mode", { consultationMode: "chat" as const }, false],
		["another reason", { reason: null }, false],
	])("%s", (_name, change, same) => {
		expect(isSameRequest(appointment, { ...request, ...change })).toBe(same);
	});
});

describe("canAccessAppointment", () => {
	it.each<[string, Actor, boolean]>([
		["its patient", { userId: "p1", role: "patient", doctorId: null }, true],
		["another patient", { userId: "p2", role: "patient", doctorId: null }, false],
		["its doctor", { userId: "u", role: "doctor", doctorId: "dr-a" }, true],
		["another doctor", { userId: "u", role: "doctor", doctorId: "dr-b" }, false],
		["a doctor sharing the patient's user id", { userId: "p1", role: "doctor", doctorId: "dr-b" }, false],
		["an admin", { userId: "admin", role: "admin", doctorId: null }, true],
	])("%s: %s", (_name, actor, allowed) => {
		expect(canAccessAppointment(actor, appointment)).toBe(allowed);
	});
});

describe("appointment ids", () => {
	it("lead back to their doctor-day", () => {
		expect(parseAppointmentId(appointmentId("dr-a", "2027-03-15", "0123456789abcdef"))).toEqual({
			doctorId: "dr-a",
			date: "2027-03-15",
		});
	});

	it.each([
		"",
		"dr-a",
		"dr-a.2027-02-30.0123456789abcdef",
		"DR.2027-03-15.0123456789abcdef",
		"dr-a.2027-03-15.x",
		"a.b.c.d",
	])("reject %j", (id) => {
		expect(parseAppointmentId(id)).toBeNull();
	});
});
