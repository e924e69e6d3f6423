// Schedules and unavailability: stored in D1, pushed to the doctor's days before the answer, never cancelling.
import { describe, expect, it } from "vitest";
import { WEEKDAYS, weekdayOf } from "../../src/core/time";
import { ADMIN, allWeek, api, at, bearer, createDoctor, createPatient, inDays } from "../helpers";

async function dayOf(doctorId: string, date: string) {
	const day = await api("GET", `/api/doctors/${doctorId}/availability/date/${date}`);
	expect(day.status).toBe(200);
	return day.body;
}

async function bookAs(token: string, doctorId: string, start: string) {
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(token),
		body: { doctor_id: doctorId, start },
	});
	expect(booked.status).toBe(201);
	return booked.body.appointment;
}

describe("PUT /api/doctors/:id/schedule", () => {
	it("stores several ranges a day with defaults, answers them back and reshapes the days at once", async () => {
		const doctor = await createDoctor();
		const date = inDays(12);
		const weekday = weekdayOf(date);
		const weekly = {
			[weekday]: [
				{ start: "14:00", end: "16:00" },
				{ start: "08:00", end: "09:00" },
			],
		};
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: bearer(doctor.token),
			body: { timezone: "Asia/Kolkata", weekly },
		});
		expect(put.status).toBe(200);
		expect(put.body.schedule).toMatchObject({
			timezone: "Asia/Kolkata",
			slot_minutes: 30,
			capacity: 1,
			horizon_days: 60,
		});
		expect(put.body.schedule.weekly[weekday]).toEqual([
			{ start: "08:00", end: "09:00" },
			{ start: "14:00", end: "16:00" },
		]);
		for (const other of WEEKDAYS.filter((d) => d !== weekday))
			expect(put.body.schedule.weekly[other]).toEqual([]);
		const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		expect(read.body.schedule).toEqual(put.body.schedule);

		const day = await dayOf(doctor.id, date);
		expect(day.timezone).toBe("Asia/Kolkata");
		expect(day.slots.map((s: { time: string }) => s.time)).toEqual([
			"08:00",
			"08:30",
			"14:00",
			"14:30",
			"15:00",
			"15:30",
		]);
		expect(day.slots[0].start).toBe(
			new Date(Date.parse(`${date}T08:00:00.000Z`) - 330 * 60_000).toISOString(),
		);
		const doctorView = await api("GET", `/api/doctors/${doctor.id}`);
		expect(doctorView.body.doctor.timezone).toBe("Asia/Kolkata");
	});

	it("lists bookings a new schedule leaves outside, and keeps them confirmed", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const date = inDays(13);
		const kept = await bookAs(patient.token, doctor.id, at(date, "09:00"));
		const stranded = await bookAs(patient.token, doctor.id, at(date, "16:00"));
		const before = await dayOf(doctor.id, date);

		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { timezone: "UTC", capacity: 2, weekly: allWeek([{ start: "09:00", end: "12:00" }]) },
		});
		expect(put.status).toBe(200);
		expect(put.body.affected_appointments).toEqual([stranded]);
		expect(put.body.pending_days).toEqual([]); // every day of the horizon took it before the answer
		const after = await dayOf(doctor.id, date);
		expect(after.version).toBeGreaterThan(before.version);
		expect(after.total_slots).toBe(6);
		for (const appointment of [kept, stranded]) {
			const read = await api("GET", `/api/appointments/${appointment.id}`, { headers: ADMIN });
			expect(read.body.appointment.status).toBe("confirmed");
		}
	});

	it("lists the latest bookings beyond a lowered capacity, and keeps every one confirmed", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const [a, b, c] = await Promise.all([createPatient(), createPatient(), createPatient()]);
		const date = inDays(14);
		const first = await bookAs(a.token, doctor.id, at(date, "10:00"));
		const second = await bookAs(b.token, doctor.id, at(date, "10:00"));
		const third = await bookAs(c.token, doctor.id, at(date, "10:00"));
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { timezone: "UTC", capacity: 1, weekly: allWeek([{ start: "09:00", end: "17:00" }]) },
		});
		expect(put.status).toBe(200);
		expect(put.body.affected_appointments).toEqual([second, third]);
		for (const appointment of [first, second, third]) {
			const read = await api("GET", `/api/appointments/${appointment.id}`, { headers: ADMIN });
			expect(read.body.appointment.status).toBe("confirmed");
		}
		const slot = (await dayOf(doctor.id, date)).slots.find((s: { time: string }) => s.time === "10:00");
		expect(slot).toMatchObject({ booked: 3, capacity: 1, remaining: 0, status: "full" });
	});

	it("sets how many places of a day one patient may book (4 by default)", async () => {
		const doctor = await createDoctor({ capacity: 5, max_per_patient_per_day: 1 });
		const patient = await createPatient();
		const date = inDays(16);
		const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		expect(read.body.schedule.max_per_patient_per_day).toBe(1);
		await bookAs(patient.token, doctor.id, at(date, "09:00"));
		const second = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		expect([second.status, second.body.error.code]).toEqual([409, "PATIENT_DAY_LIMIT"]);
		const other = await createDoctor();
		expect(
			(await api("GET", `/api/doctors/${other.id}/schedule`)).body.schedule.max_per_patient_per_day,
		).toBe(4);
	});

	it("takes the contract's maxima, 48 ranges on every day, and reads them back exactly", async () => {
		const doctor = await createDoctor();
		const clock = (minutes: number) =>
			`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
		// 336 ranges: far past the 100 variables D1 binds per statement.
		const ranges = Array.from({ length: 48 }, (_, i) => ({ start: clock(i * 30), end: clock(i * 30 + 30) }));
		const schedule = {
			timezone: "UTC",
			slot_minutes: 30,
			capacity: 1,
			horizon_days: 60,
			max_per_patient_per_day: 100,
			hold_seconds: 3600,
			offer_seconds: 1800,
			requires_approval: true,
			buffer_minutes: 0,
			min_notice_minutes: 0,
			cancel_cutoff_minutes: 0,
			max_per_day: null,
			reserved_places: 0,
			appointment_types: [],
			weekly: allWeek(ranges),
		};
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, { headers: ADMIN, body: schedule });
		expect(put.status, JSON.stringify(put.body)).toBe(200);
		expect(put.body.schedule).toEqual(schedule);
		const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		expect(read.body.schedule).toEqual(schedule);
		expect((await dayOf(doctor.id, inDays(9))).total_slots).toBe(48);
	});

	it("stores every accepted spelling of a zone the same way, and refuses what names no place", async () => {
		const doctor = await createDoctor();
		const put = (timezone: string) =>
			api("PUT", `/api/doctors/${doctor.id}/schedule`, {
				headers: ADMIN,
				body: { timezone, horizon_days: 0, weekly: allWeek([]) },
			});
		const spellings: Array<[string, string]> = [
			["us/eastern", "America/New_York"],
			["US/Eastern", "America/New_York"],
			["america/new_york", "America/New_York"],
			["etc/gmt+5", "Etc/GMT+5"],
			["Etc/GMT+5", "Etc/GMT+5"],
			["utc", "UTC"],
			["UTC", "UTC"],
			["Europe/Kyiv", "Europe/Kyiv"],
			["Europe/Kiev", "Europe/Kyiv"],
			["asia/calcutta", "Asia/Kolkata"],
		];
		for (const [spelling, stored] of spellings) {
			const call = await put(spelling);
			expect(call.status, `${spelling}: ${JSON.stringify(call.body)}`).toBe(200);
			expect(call.body.schedule.timezone, spelling).toBe(stored);
			const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
			expect(read.body.schedule.timezone, spelling).toBe(stored);
			expect((await api("GET", `/api/doctors/${doctor.id}`)).body.doctor.timezone, spelling).toBe(stored);
		}
		for (const refused of ["EST", "GMT", "+05:00", "Mars/Olympus", " UTC"]) {
			const call = await put(refused);
			expect({ status: call.status, code: call.body.error?.code }, refused).toEqual({
				status: 400,
				code: "VALIDATION_ERROR",
			});
			expect(call.body.error.message).toBe("timezone: Must be an IANA time zone such as Europe/Berlin.");
		}
		expect((await api("GET", `/api/doctors/${doctor.id}/schedule`)).body.schedule.timezone).toBe(
			"Asia/Kolkata",
		);
	});

	it("closes days past a shortened horizon and stops bookings there", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const far = inDays(20);
		expect((await dayOf(doctor.id, far)).total_slots).toBe(16);
		await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { timezone: "UTC", horizon_days: 7, weekly: allWeek([{ start: "09:00", end: "17:00" }]) },
		});
		expect((await dayOf(doctor.id, far)).total_slots).toBe(0);
		const refused = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(far, "09:00") },
		});
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe("DAY_UNAVAILABLE");
	});
});

describe("unavailability", () => {
	it("blocks slots, lists bookings inside it without cancelling, and opens them again when removed", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(15);
		const inside = await bookAs(patient.token, doctor.id, at(date, "10:00"));
		const created = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: bearer(doctor.token),
			body: { date, start: "10:00", end: "11:15", reason: "Team meeting" },
		});
		expect(created.status).toBe(201);
		expect(created.body.unavailability).toMatchObject({
			date,
			start: "10:00",
			end: "11:15",
			reason: "Team meeting",
		});
		expect(created.body.affected_appointments).toEqual([inside]);

		const day = await dayOf(doctor.id, date);
		const statusAt = (time: string) => day.slots.find((s: { time: string }) => s.time === time)?.status;
		expect([
			statusAt("09:30"),
			statusAt("10:00"),
			statusAt("10:30"),
			statusAt("11:00"),
			statusAt("11:30"),
		]).toEqual(["available", "unavailable", "unavailable", "unavailable", "available"]);
		const refused = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "10:30") },
		});
		expect(refused.body.error.code).toBe("SLOT_UNAVAILABLE");
		const still = await api("GET", `/api/appointments/${inside.id}`, { headers: bearer(patient.token) });
		expect(still.body.appointment.status).toBe("confirmed");

		const id = created.body.unavailability.id;
		const listed = await api("GET", `/api/doctors/${doctor.id}/unavailability?from=${date}&to=${date}`, {
			headers: bearer(doctor.token),
		});
		expect(listed.body.unavailability.map((u: { id: string }) => u.id)).toEqual([id]);

		const moved = await api("PATCH", `/api/doctors/${doctor.id}/unavailability/${id}`, {
			headers: bearer(doctor.token),
			body: { start: "15:00", end: "16:00" },
		});
		expect(moved.status).toBe(200);
		expect(moved.body.affected_appointments).toEqual([]);
		const afterMove = await dayOf(doctor.id, date);
		expect(afterMove.slots.find((s: { time: string }) => s.time === "10:30").status).toBe("available");
		expect(afterMove.slots.find((s: { time: string }) => s.time === "15:00").status).toBe("unavailable");

		const removed = await api("DELETE", `/api/doctors/${doctor.id}/unavailability/${id}`, {
			headers: bearer(doctor.token),
		});
		expect(removed.status).toBe(200);
		const reopened = await dayOf(doctor.id, date);
		expect(reopened.slots.every((s: { status: string; time: string }) => s.status !== "unavailable")).toBe(
			true,
		);
		expect(reopened.version).toBeGreaterThan(afterMove.version);
		const gone = await api("DELETE", `/api/doctors/${doctor.id}/unavailability/${id}`, {
			headers: bearer(doctor.token),
		});
		expect(gone.status).toBe(404);
	});
});

describe("doctor flags", () => {
	it("turns every slot unavailable while the doctor is away, and back", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(16);
		const away = await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: bearer(doctor.token),
			body: { is_available: false },
		});
		expect(away.body.doctor.is_available).toBe(false);
		const day = await dayOf(doctor.id, date);
		expect(new Set(day.slots.map((s: { status: string }) => s.status))).toEqual(new Set(["unavailable"]));
		const refused = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "09:00") },
		});
		expect(refused.body.error.code).toBe("DOCTOR_UNAVAILABLE");
		await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: bearer(doctor.token),
			body: { is_available: true },
		});
		expect((await dayOf(doctor.id, date)).available_count).toBe(16);
	});

	it("hides unapproved doctors from the public list but not from admins", async () => {
		const doctor = await createDoctor({}, { is_approved: false });
		const publicList = await api("GET", "/api/doctors");
		expect(publicList.body.doctors.map((d: { id: string }) => d.id)).not.toContain(doctor.id);
		const adminList = await api("GET", "/api/doctors", { headers: ADMIN });
		expect(adminList.body.doctors.map((d: { id: string }) => d.id)).toContain(doctor.id);
	});

	it("answers 404 for an unapproved doctor and its schedule, except to admins and itself, until approved", async () => {
		const doctor = await createDoctor({}, { is_approved: false });
		const patient = await createPatient();
		const paths = [`/api/doctors/${doctor.id}`, `/api/doctors/${doctor.id}/schedule`];
		const statuses = async (headers: Record<string, string>) =>
			Promise.all(paths.map(async (path) => (await api("GET", path, { headers })).status));
		expect(await statuses({})).toEqual([404, 404]);
		expect(await statuses(bearer(patient.token))).toEqual([404, 404]);
		expect(await statuses(bearer(doctor.token))).toEqual([200, 200]);
		expect(await statuses(ADMIN)).toEqual([200, 200]);
		const approved = await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: ADMIN,
			body: { is_approved: true },
		});
		expect(approved.status).toBe(200);
		expect(await statuses({})).toEqual([200, 200]);
	});
});

describe("availability over a range", () => {
	it("summarizes each day for a date picker", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const from = inDays(1);
		const to = inDays(31);
		await bookAs(patient.token, doctor.id, at(inDays(2), "09:00"));
		const range = await api("GET", `/api/doctors/${doctor.id}/availability?from=${from}&to=${to}`);
		expect(range.status).toBe(200);
		expect(range.body.days).toHaveLength(31);
		expect(range.body.days[1]).toEqual({
			date: inDays(2),
			closed: null,
			total_slots: 16,
			available_count: 15,
			booked_count: 1,
		});
	});

	it("checks one slot without booking it", async () => {
		const doctor = await createDoctor();
		const date = inDays(3);
		const free = await api("POST", `/api/doctors/${doctor.id}/slots/check`, {
			body: { start: at(date, "09:00") },
		});
		expect(free.body).toEqual({ available: true, status: "available", remaining: 1, capacity: 1 });
		const notSlot = await api("POST", `/api/doctors/${doctor.id}/slots/check`, {
			body: { start: at(date, "09:10") },
		});
		expect(notSlot.body).toMatchObject({ available: false, code: "SLOT_NOT_FOUND" });
	});
});
