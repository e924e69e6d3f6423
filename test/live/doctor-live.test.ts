// The doctor's own channel: every booking, cancellation and schedule edit of any day reaches every tab.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays } from "../helpers";
import { openSocket } from "./inbox";

describe("GET /api/doctors/:doctor_id/live", () => {
	it("lets in only that doctor (token in the query, as browsers must send it) and admins", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const patient = await createPatient();
		const path = `/api/doctors/${doctor.id}/live`;
		const upgrade = { upgrade: "websocket" };
		const cases: Array<[string, string, number]> = [
			["nobody", path, 401],
			["a patient", `${path}?token=${patient.token}`, 403],
			["another doctor", `${path}?token=${other.token}`, 403],
			["a forged token", `${path}?token=abc.def.ghi`, 401],
		];
		for (const [, url, status] of cases)
			expect((await api("GET", url, { headers: upgrade })).status).toBe(status);
		expect((await api("GET", `${path}?token=${doctor.token}`)).status).toBe(426);
		const own = await openSocket(`${path}?token=${doctor.token}`);
		expect(await own.next()).toEqual({ type: "hello", doctor_id: doctor.id });
		own.close();
		const admin = await openSocket(path, ADMIN);
		expect((await admin.next()).type).toBe("hello");
		admin.close();
	});

	it("brings bookings and cancellations of any day, and schedule edits, to every open tab", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const tabs = await Promise.all(
			[1, 2, 3].map(() => openSocket(`/api/doctors/${doctor.id}/live?token=${doctor.token}`)),
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
