// The lifecycle over HTTP: requires_approval bookings wait as pending, the doctor confirms or declines them,
// every move is in the history, and a declined booking's place is free at once.
import { beforeAll, describe, expect, it } from "vitest";
import {
	ADMIN,
	api,
	at,
	bearer,
	createDoctor,
	createPatients,
	inDays,
	type TestDoctor,
	type TestPatient,
} from "../helpers";

const DAY = inDays(6);
let doctor: TestDoctor;
let patients: TestPatient[];

beforeAll(async () => {
	[doctor, patients] = await Promise.all([
		createDoctor({ capacity: 2, requires_approval: true }),
		createPatients(4),
	]);
});

const book = (patient: TestPatient | undefined, time: string) =>
	api("POST", "/api/appointments", {
		headers: bearer(patient?.token ?? ""),
		body: { doctor_id: doctor.id, start: at(DAY, time) },
	});
const move = (id: string, status: string, headers = bearer(doctor.token)) =>
	api("POST", `/api/appointments/${id}/status`, { headers, body: { status } });

describe("requires_approval", () => {
	it("is part of the schedule", async () => {
		const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		expect(read.body.schedule).toMatchObject({ requires_approval: true, capacity: 2 });
	});

	it("books pending, holding the place; the doctor confirms; the history says who and when", async () => {
		const first = await book(patients[0], "09:00");
		expect(first.status).toBe(201);
		expect(first.body.appointment).toMatchObject({ status: "pending" });
		expect(first.body.appointment.patient_name).toBeUndefined();
		const second = await book(patients[1], "09:00");
		expect(second.body.appointment.status).toBe("pending");
		expect((await book(patients[2], "09:00")).body.error.code).toBe("SLOT_FULL");

		const confirmed = await move(first.body.appointment.id, "confirmed");
		expect(confirmed.status).toBe(200);
		expect(confirmed.body.appointment).toMatchObject({ status: "confirmed", patient_name: "Test Patient" });
		const mine = await api("GET", `/api/appointments/${first.body.appointment.id}`, {
			headers: bearer(patients[0]?.token ?? ""),
		});
		expect(
			mine.body.appointment.history.map((h: { status: string; by: string }) => [h.status, h.by]),
		).toEqual([
			["pending", patients[0]?.id],
			["confirmed", expect.any(String)],
		]);
		expect(mine.body.appointment.patient_name).toBeUndefined();
	});

	it("a decline frees the place at once; a second answer is INVALID_TRANSITION", async () => {
		const pending = await book(patients[0], "10:00");
		await book(patients[1], "10:00");
		expect((await book(patients[2], "10:00")).body.error.code).toBe("SLOT_FULL");
		const declined = await move(pending.body.appointment.id, "declined", ADMIN);
		expect(declined.body.appointment.status).toBe("declined");
		expect((await move(pending.body.appointment.id, "confirmed")).body.error.code).toBe("INVALID_TRANSITION");
		expect((await book(patients[2], "10:00")).status).toBe(201);
		const day = await api("GET", `/api/doctors/${doctor.id}/days/${DAY}/appointments`, {
			headers: bearer(doctor.token),
		});
		expect(
			day.body.appointments
				.filter((a: { time: string }) => a.time === "10:00")
				.map((a: { status: string }) => a.status),
		).toEqual(["declined", "pending", "pending"]);
	});

	it.each<[string, unknown, number, string]>([
		["an unknown status", { status: "done" }, 400, "VALIDATION_ERROR"],
		["cancelled (its own endpoint)", { status: "cancelled" }, 400, "VALIDATION_ERROR"],
		["no body field", {}, 400, "VALIDATION_ERROR"],
	])("refuses %s", async (_name, body, status, code) => {
		const booked = await book(patients[3], "11:00");
		const call = await api("POST", `/api/appointments/${booked.body.appointment.id}/status`, {
			headers: bearer(doctor.token),
			body,
		});
		expect({ status: call.status, code: call.body.error.code }).toEqual({ status, code });
		await api("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
			headers: bearer(patients[3]?.token ?? ""),
		});
	});

	it("a made-up appointment id is not found", async () => {
		expect((await move(`${doctor.id}.${DAY}.zzzzzzzzzzzz`, "confirmed")).body.error.code).toBe(
			"APPOINTMENT_NOT_FOUND",
		);
	});
});
