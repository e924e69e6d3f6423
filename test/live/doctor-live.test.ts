// The doctor's own channel: every booking, cancellation and schedule edit of any day reaches every tab.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatient, doctorFeedPath, inDays } from "../helpers";
import { openSocket } from "./inbox";

describe("GET /api/doctors/:doctor_id/live", () => {
	it("lets in only that doctor and admins, each with a ticket (browsers cannot send a header)", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const patient = await createPatient();
		const path = `/api/doctors/${doctor.id}/live`;
		const upgrade = { upgrade: "websocket" };
		const ticketFor = (token: string) =>
			api("POST", "/api/live-tickets", {
				headers: bearer(token),
				body: { channel: "doctor", doctor_id: doctor.id },
			});
		expect((await ticketFor(patient.token)).status).toBe(403);
		expect((await ticketFor(other.token)).status).toBe(403);
		expect((await api("GET", path, { headers: upgrade })).status).toBe(401);
		expect((await api("GET", `${path}?ticket=abc.def`, { headers: upgrade })).status).toBe(401);
		const unused = await doctorFeedPath(doctor.id, bearer(doctor.token));
		expect((await api("GET", unused)).status).toBe(426);
		// The 426 did not spend the ticket.
		const own = await openSocket(unused);
		expect(await own.next()).toEqual({ type: "hello", doctor_id: doctor.id });
		own.close();
		const admin = await openSocket(await doctorFeedPath(doctor.id, ADMIN));
		expect((await admin.next()).type).toBe("hello");
		admin.close();
	});

	it("brings bookings and cancellations of any day, and schedule edits, to every open tab", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const tabs = await Promise.all(
			[1, 2, 3].map(async () => openSocket(await doctorFeedPath(doctor.id, bearer(doctor.token)))),
		);
		for (const tab of tabs) expect((await tab.next()).type).toBe("hello");

		const first = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		const second = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(9), "15:30") },
		});
		await api("POST", `/api/appointments/${first.body.appointment.id}/cancel`, {
			headers: bearer(patient.token),
		});
		await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: bearer(doctor.token),
			body: { date: inDays(9), start: "15:00", end: "16:00" },
		});

		for (const tab of tabs) {
			const booked = await tab.next();
			expect(booked).toMatchObject({
				type: "appointment",
				event: "booked",
				appointment: first.body.appointment,
			});
			expect((await tab.next()).appointment.id).toBe(second.body.appointment.id);
			expect(await tab.next()).toMatchObject({ type: "appointment", event: "cancelled" });
			const edit = await tab.next();
			expect(edit).toMatchObject({
				type: "schedule_changed",
				change: "unavailability_added",
				dates: [inDays(9)],
			});
			expect(edit.affected_appointments).toEqual([second.body.appointment]);
			tab.close();
		}
	});
});
