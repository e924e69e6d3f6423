import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, inDays } from "../helpers";

describe("the patient flow over HTTP", () => {
	it("registers, finds a doctor, books, lists, cancels and rebooks", async () => {
		const doctor = await createDoctor();
		const date = inDays(3);
		const registered = await api("POST", "/api/auth/register", {
			body: { email: `Flow-${doctor.id}@Example.com`, password: "s3cret-pass", name: "Flo Patient" },
		});
		expect(registered.status).toBe(201);
		expect(registered.body.user).toMatchObject({ email: `flow-${doctor.id}@example.com`, role: "patient" });
		const login = await api("POST", "/api/auth/login", {
			body: { email: `flow-${doctor.id}@example.com`, password: "s3cret-pass" },
		});
		expect(login.status).toBe(200);
		const patient = bearer(login.body.token);

		const listed = await api("GET", "/api/doctors");
		expect(listed.body.doctors.map((d: { id: string }) => d.id)).toContain(doctor.id);

		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.status).toBe(200);
		expect(day.body).toMatchObject({ doctor_id: doctor.id, date, timezone: "UTC", total_slots: 16 });
		expect(day.body.slots[0]).toEqual({
			start: at(date, "09:00"),
			end: at(date, "09:30"),
			time: "09:00",
			capacity: 1,
			booked: 0,
			held: 0,
			remaining: 1,
			status: "available",
		});

		const booked = await api("POST", "/api/appointments", {
			headers: patient,
			body: { doctor_id: doctor.id, start: at(date, "10:00"), consultation_mode: "video", reason: "Cough" },
		});
		expect(booked.status).toBe(201);
		const appointment = booked.body.appointment;
		expect(appointment).toMatchObject({
			doctor_id: doctor.id,
			patient_id: registered.body.user.id,
			date,
			time: "10:00",
			start: at(date, "10:00"),
			end: at(date, "10:30"),
			status: "confirmed",
			consultation_mode: "video",
			reason: "Cough",
		});

		const mine = await api("GET", "/api/appointments", { headers: patient });
		expect(mine.body.appointments.map((a: { id: string }) => a.id)).toEqual([appointment.id]);
		const read = await api("GET", `/api/appointments/${appointment.id}`, { headers: patient });
		expect(read.body.appointment).toEqual(appointment);

		const after = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(after.body.version).toBeGreaterThan(day.body.version);
		expect(after.body.slots[2]).toMatchObject({ time: "10:00", booked: 1, remaining: 0, status: "full" });
		expect(after.body).toMatchObject({ available_count: 15, booked_count: 1 });

		const cancelled = await api("POST", `/api/appointments/${appointment.id}/cancel`, { headers: patient });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.appointment.status).toBe("cancelled");
		const again = await api("POST", `/api/appointments/${appointment.id}/cancel`, { headers: patient });
		expect(again.status).toBe(200);

		const rebooked = await api("POST", "/api/appointments", {
			headers: patient,
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		expect(rebooked.status).toBe(201);
		expect(rebooked.body.appointment.consultation_mode).toBe("in_person");
		const list = await api("GET", "/api/appointments", { headers: ADMIN });
		const statuses = list.body.appointments
			.filter((a: { doctor_id: string }) => a.doctor_id === doctor.id)
			.map((a: { status: string }) => a.status)
			.sort();
		expect(statuses).toEqual(["cancelled", "confirmed"]);
	});
});
