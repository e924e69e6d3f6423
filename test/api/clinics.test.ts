// Clinics: admins make and change them; their doctors inherit the zone, default capacity and closed days;
// a closed day answers no slots with "closed": "clinic" and refuses bookings with CLINIC_CLOSED.
import { describe, expect, it } from "vitest";
import { weekdayOf } from "../../src/core/time";
import { ADMIN, allWeek, api, at, bearer, createDoctor, createPatient, inDays, unique } from "../helpers";

async function createClinic(fields: Record<string, unknown> = {}) {
	const made = await api("POST", "/api/clinics", {
		headers: ADMIN,
		body: { name: unique("Clinic"), timezone: "UTC", ...fields },
	});
	if (made.status !== 201) throw new Error(`createClinic: ${made.status} ${JSON.stringify(made.body)}`);
	return made.body.clinic as { id: string; name: string; default_capacity: number };
}

/** The next date (from tomorrow) that falls on `weekday`. */
function nextWeekday(weekday: string): string {
	for (let i = 1; i <= 7; i++) if (weekdayOf(inDays(i)) === weekday) return inDays(i);
	throw new Error("no such weekday");
}

const day = (doctorId: string, date: string) =>
	api("GET", `/api/doctors/${doctorId}/availability/date/${date}`);

describe("clinics", () => {
	it("are made and changed by admins only, read by anyone, and validated", async () => {
		const patient = await createPatient();
		const doctor = await createDoctor();
		const body = { name: "Nope", timezone: "UTC" };
		expect((await api("POST", "/api/clinics", { body })).status).toBe(401);
		expect((await api("POST", "/api/clinics", { headers: bearer(patient.token), body })).status).toBe(403);
		expect((await api("POST", "/api/clinics", { headers: bearer(doctor.token), body })).status).toBe(403);
		for (const bad of [
			{ name: "", timezone: "UTC" },
			{ name: "X", timezone: "Mars/Olympus" },
			{ name: "X", timezone: "UTC", closed_weekdays: ["funday"] },
			{ name: "X", timezone: "UTC", closed_weekdays: ["friday", "friday"] },
			{ name: "X", timezone: "UTC", holidays: ["2027-02-30"] },
			{ name: "X", timezone: "UTC", default_capacity: 0 },
			{ name: "X", timezone: "UTC", surprise: true },
		]) {
			const refused = await api("POST", "/api/clinics", { headers: ADMIN, body: bad });
			expect([JSON.stringify(bad), refused.status, refused.body.error?.code]).toEqual([
				JSON.stringify(bad),
				400,
				"VALIDATION_ERROR",
			]);
		}
		const clinic = await createClinic({
			default_capacity: 15,
			closed_weekdays: ["friday"],
			holidays: ["2027-01-01"],
		});
		expect(clinic).toMatchObject({
			default_capacity: 15,
			closed_weekdays: ["friday"],
			holidays: ["2027-01-01"],
		});
		expect((await api("GET", `/api/clinics/${clinic.id}`)).body.clinic).toEqual(clinic);
		expect((await api("GET", "/api/clinics/nope")).status).toBe(404);
		const renamed = await api("PATCH", `/api/clinics/${clinic.id}`, {
			headers: ADMIN,
			body: { name: "Renamed" },
		});
		expect(renamed.body.clinic.name).toBe("Renamed");
		expect((await api("PATCH", `/api/clinics/${clinic.id}`, { headers: ADMIN, body: {} })).status).toBe(400);
		expect(
			(
				await api("PATCH", `/api/clinics/${clinic.id}`, {
					headers: bearer(doctor.token),
					body: { name: "x" },
				})
			).status,
		).toBe(403);
		const listed = await api("GET", "/api/clinics?limit=200");
		expect(listed.body.clinics.map((c: { id: string }) => c.id)).toContain(clinic.id);
	});

	it("close their doctors' days on a closed weekday: no slots, closed: clinic, CLINIC_CLOSED", async () => {
		const clinic = await createClinic({ closed_weekdays: ["friday"] });
		const doctor = await createDoctor({}, { clinic_id: clinic.id });
		const patient = await createPatient();
		const friday = nextWeekday("friday");
		const thursday = nextWeekday("thursday");
		const closed = await day(doctor.id, friday);
		expect(closed.body).toMatchObject({ closed: "clinic", slots: [], total_slots: 0 });
		expect((await day(doctor.id, thursday)).body).toMatchObject({ closed: null, total_slots: 16 });
		const refused = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(friday, "09:00") },
		});
		expect([refused.status, refused.body.error?.code]).toEqual([409, "CLINIC_CLOSED"]);
		const range = await api(
			"GET",
			`/api/doctors/${doctor.id}/availability?from=${inDays(1)}&to=${inDays(8)}`,
		);
		const fridayCounts = range.body.days.find((d: { date: string }) => d.date === friday);
		expect(fridayCounts).toMatchObject({ closed: "clinic", total_slots: 0 });
		expect((await api("GET", `/api/doctors/${doctor.id}`)).body.doctor.clinic_id).toBe(clinic.id);
	});

	it("reach days already in use when a holiday is added, and list (never cancel) the bookings on it", async () => {
		const clinic = await createClinic();
		const doctor = await createDoctor({}, { clinic_id: clinic.id });
		const patient = await createPatient();
		const date = inDays(3);
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		expect(booked.status).toBe(201);
		const changed = await api("PATCH", `/api/clinics/${clinic.id}`, {
			headers: ADMIN,
			body: { holidays: [date] },
		});
		expect(changed.status).toBe(200);
		expect(changed.body.affected_appointments.map((a: { id: string }) => a.id)).toEqual([
			booked.body.appointment.id,
		]);
		expect(changed.body.pending_days).toEqual([]);
		expect((await day(doctor.id, date)).body).toMatchObject({ closed: "clinic", total_slots: 0 });
		const kept = await api("GET", `/api/appointments/${booked.body.appointment.id}`, {
			headers: bearer(patient.token),
		});
		expect(kept.body.appointment.status).toBe("confirmed");
		// Reopened: the day's slots are back.
		await api("PATCH", `/api/clinics/${clinic.id}`, { headers: ADMIN, body: { holidays: [] } });
		expect((await day(doctor.id, date)).body).toMatchObject({ closed: null, total_slots: 16 });
	});

	it("give a doctor's schedule their zone and default capacity, and follow a doctor who moves", async () => {
		const clinic = await createClinic({
			timezone: "Europe/Berlin",
			default_capacity: 20,
			closed_weekdays: ["sunday"],
		});
		const doctor = await createDoctor();
		const moved = await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: ADMIN,
			body: { clinic_id: clinic.id },
		});
		expect(moved.body.doctor.clinic_id).toBe(clinic.id);
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { weekly: allWeek([{ start: "09:00", end: "10:00" }]) },
		});
		expect(put.status).toBe(200);
		expect(put.body.schedule).toMatchObject({ timezone: "Europe/Berlin", capacity: 20 });
		expect((await day(doctor.id, nextWeekday("sunday"))).body.closed).toBe("clinic");
		// Leaving the clinic reopens its closed days.
		await api("PATCH", `/api/doctors/${doctor.id}`, { headers: ADMIN, body: { clinic_id: null } });
		expect((await day(doctor.id, nextWeekday("sunday"))).body.closed).toBeNull();
		const alone = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { weekly: allWeek([{ start: "09:00", end: "10:00" }]) },
		});
		expect([alone.status, alone.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
		// Only admins move doctors, and only to clinics that exist.
		const self = await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: bearer(doctor.token),
			body: { clinic_id: clinic.id },
		});
		expect(self.status).toBe(403);
		const nowhere = await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: ADMIN,
			body: { clinic_id: "nope" },
		});
		expect([nowhere.status, nowhere.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
	});

	it("list their approved doctors by name, a page at a time", async () => {
		const clinic = await createClinic();
		for (const name of ["Cara", "Abe", "Bea"])
			await createDoctor({}, { name: `Dr. ${name}`, clinic_id: clinic.id });
		await createDoctor({}, { name: "Dr. Hidden", clinic_id: clinic.id, is_approved: false });
		await createDoctor({}, { name: "Dr. Elsewhere" });
		const first = await api("GET", `/api/clinics/${clinic.id}/doctors?limit=2`);
		expect(first.body.doctors.map((d: { name: string }) => d.name)).toEqual(["Dr. Abe", "Dr. Bea"]);
		const second = await api(
			"GET",
			`/api/clinics/${clinic.id}/doctors?limit=2&cursor=${first.body.next_cursor}`,
		);
		expect(second.body).toMatchObject({ doctors: [{ name: "Dr. Cara" }], next_cursor: null });
		expect((await api("GET", "/api/clinics/nope/doctors")).status).toBe(404);
	});
});
