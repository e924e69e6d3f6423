// The schedule's rules through HTTP: the schedule body and its bad input, reserved places (patient refused,
// doctor allowed), notice, the cancel cutoff (patient refused, doctor allowed), max_per_day in the day and the
// date picker, multi-slot types, and the schedule preview.
import { describe, expect, it } from "vitest";
import {
	ADMIN,
	allWeek,
	api,
	at,
	bearer,
	createDoctor,
	createPatients,
	eventually,
	inDays,
} from "../helpers";
import { openSocket } from "../live/inbox";

const WEEK = allWeek([{ start: "09:00", end: "11:00" }]);

function book(headers: Record<string, string>, body: Record<string, unknown>) {
	return api("POST", "/api/appointments", { headers, body });
}

describe("the schedule body", () => {
	it("keeps every rule and reads them back", async () => {
		const doctor = await createDoctor();
		const schedule = {
			timezone: "UTC",
			capacity: 4,
			buffer_minutes: 10,
			min_notice_minutes: 60,
			cancel_cutoff_minutes: 120,
			max_per_day: 12,
			reserved_places: 1,
			appointment_types: [{ id: "long", name: "Long consultation", slots: 2 }],
			weekly: allWeek([
				{ start: "09:00", end: "12:00", capacity: 15 },
				{ start: "17:00", end: "19:00" },
			]),
		};
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: bearer(doctor.token),
			body: schedule,
		});
		expect(put.status, JSON.stringify(put.body)).toBe(200);
		const read = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		expect(read.body.schedule).toMatchObject(schedule);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(3)}`);
		expect(
			day.body.slots.slice(0, 2).map((s: { time: string; capacity: number }) => [s.time, s.capacity]),
		).toEqual([
			["09:00", 15],
			["09:40", 15],
		]);
		expect(day.body.slots.at(-1)).toMatchObject({ time: "18:20", capacity: 4, remaining: 3 });
	});

	it.each<[string, Record<string, unknown>]>([
		["a negative buffer", { buffer_minutes: -5 }],
		["a fractional notice", { min_notice_minutes: 1.5 }],
		["a cutoff as text", { cancel_cutoff_minutes: "60" }],
		["max_per_day 0", { max_per_day: 0 }],
		["negative reserved places", { reserved_places: -1 }],
		["a range capacity of 0", { weekly: allWeek([{ start: "09:00", end: "11:00", capacity: 0 }]) }],
		[
			"two types with one id",
			{
				appointment_types: [
					{ id: "a", name: "A", slots: 2 },
					{ id: "a", name: "B", slots: 3 },
				],
			},
		],
		["a type of 0 slots", { appointment_types: [{ id: "a", name: "A", slots: 0 }] }],
		["a type id with spaces", { appointment_types: [{ id: "a b", name: "A", slots: 2 }] }],
	])("%s is a 400 and changes nothing", async (_name, change) => {
		const doctor = await createDoctor({ weekly: WEEK });
		const before = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { timezone: "UTC", weekly: WEEK, ...change },
		});
		expect(put.status).toBe(400);
		expect(put.body.error.code).toBe("VALIDATION_ERROR");
		expect((await api("GET", `/api/doctors/${doctor.id}/schedule`)).body).toEqual(before.body);
	});
});

describe("reserved places", () => {
	it("a patient cannot book one; the doctor can, for a patient", async () => {
		const doctor = await createDoctor({ capacity: 2, reserved_places: 1, weekly: WEEK });
		const [a, b] = await createPatients(2);
		if (a === undefined || b === undefined) throw new Error("patients");
		const date = inDays(3);
		const start = at(date, "09:00");
		expect((await book(bearer(a.token), { doctor_id: doctor.id, start })).status).toBe(201);
		const refused = await book(bearer(b.token), { doctor_id: doctor.id, start });
		expect(refused.status).toBe(409);
		expect(refused.body.error).toMatchObject({ code: "SLOT_FULL", current_bookings: 1, max_capacity: 2 });
		const staff = await book(bearer(doctor.token), { doctor_id: doctor.id, start, patient_id: b.id });
		expect(staff.status, JSON.stringify(staff.body)).toBe(201);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots[0]).toMatchObject({ capacity: 2, booked: 2, remaining: 0, status: "full" });
		expect(day.body.slots[1]).toMatchObject({ capacity: 2, booked: 0, remaining: 1, status: "available" });
	});
});

describe("min_notice_minutes", () => {
	it("refuses patients' bookings and holds inside it; the doctor may still book", async () => {
		// Ten days' notice: a slot three days ahead is inside it.
		const doctor = await createDoctor({ min_notice_minutes: 10 * 24 * 60, weekly: WEEK });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const start = at(inDays(3), "09:00");
		const booked = await book(bearer(patient.token), { doctor_id: doctor.id, start });
		expect([booked.status, booked.body.error?.code]).toEqual([409, "TOO_LATE_TO_BOOK"]);
		const held = await api("POST", "/api/holds", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start },
		});
		expect([held.status, held.body.error?.code]).toEqual([409, "TOO_LATE_TO_BOOK"]);
		const staff = await book(bearer(doctor.token), { doctor_id: doctor.id, start, patient_id: patient.id });
		expect(staff.status, JSON.stringify(staff.body)).toBe(201);
	});
});

describe("cancel_cutoff_minutes", () => {
	it("a patient cannot cancel inside it; the doctor can", async () => {
		const doctor = await createDoctor({ cancel_cutoff_minutes: 10 * 24 * 60, weekly: WEEK });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const booked = await book(bearer(patient.token), { doctor_id: doctor.id, start: at(inDays(3), "09:30") });
		expect(booked.status).toBe(201);
		const path = `/api/appointments/${booked.body.appointment.id}/cancel`;
		const refused = await api("POST", path, { headers: bearer(patient.token) });
		expect([refused.status, refused.body.error?.code]).toEqual([409, "TOO_LATE_TO_CANCEL"]);
		const read = await api("GET", `/api/appointments/${booked.body.appointment.id}`, { headers: ADMIN });
		expect(read.body.appointment.status).toBe("confirmed");
		const cancelled = await api("POST", path, { headers: bearer(doctor.token) });
		expect([cancelled.status, cancelled.body.appointment?.status]).toEqual([200, "cancelled"]);
	});
});

describe("max_per_day", () => {
	it("refuses the day's next patient with DAY_FULL, and the date picker shows the day full", async () => {
		const doctor = await createDoctor({ max_per_day: 1, weekly: WEEK });
		const [a, b] = await createPatients(2);
		if (a === undefined || b === undefined) throw new Error("patients");
		const date = inDays(3);
		expect((await book(bearer(a.token), { doctor_id: doctor.id, start: at(date, "09:00") })).status).toBe(
			201,
		);
		const refused = await book(bearer(b.token), { doctor_id: doctor.id, start: at(date, "10:00") });
		expect([refused.status, refused.body.error?.code]).toEqual([409, "DAY_FULL"]);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.available_count).toBe(0);
		// The date picker reads the Doctor object's summary, which hears of the booking after the answer.
		await eventually(async () => {
			const range = await api("GET", `/api/doctors/${doctor.id}/availability?from=${date}&to=${date}`);
			return range.body.days[0]?.available_count === 0;
		});
	});

	it("the booking that fills the day turns every slot full on open pages, in one update", async () => {
		const doctor = await createDoctor({ max_per_day: 1, capacity: 2, weekly: WEEK });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const date = inDays(3);
		const inbox = await openSocket(`/api/doctors/${doctor.id}/availability/date/${date}/live`);
		const snapshot = await inbox.next();
		expect(snapshot.available_count).toBe(4);
		expect(
			(await book(bearer(patient.token), { doctor_id: doctor.id, start: at(date, "09:30") })).status,
		).toBe(201);
		const update = await inbox.next();
		expect(update).toMatchObject({
			type: "update",
			version: snapshot.version + 1,
			available_count: 0,
			booked_count: 4,
		});
		expect(update.slots.map((s: { status: string; remaining: number }) => [s.status, s.remaining])).toEqual([
			["full", 0],
			["full", 0],
			["full", 0],
			["full", 0],
		]);
	});

	it("the date picker counts only the places patients can take (reserved ones aside)", async () => {
		const doctor = await createDoctor({ capacity: 2, reserved_places: 1, weekly: WEEK });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const date = inDays(3);
		expect(
			(await book(bearer(patient.token), { doctor_id: doctor.id, start: at(date, "09:00") })).status,
		).toBe(201);
		await eventually(async () => {
			const range = await api("GET", `/api/doctors/${doctor.id}/availability?from=${date}&to=${date}`);
			return range.body.days[0]?.available_count === 3 && range.body.days[0]?.booked_count === 1;
		});
	});
});

describe("appointment types", () => {
	const types = { appointment_types: [{ id: "long", name: "Long consultation", slots: 2 }], weekly: WEEK };

	it("a typed booking takes its slots; a type past the range's end, or unknown, is refused", async () => {
		const doctor = await createDoctor(types);
		const [a, b, c] = await createPatients(3);
		if (a === undefined || b === undefined || c === undefined) throw new Error("patients");
		const date = inDays(3);
		const booked = await book(bearer(a.token), {
			doctor_id: doctor.id,
			start: at(date, "09:00"),
			type: "long",
		});
		expect(booked.status, JSON.stringify(booked.body)).toBe(201);
		expect(booked.body.appointment).toMatchObject({ type: "long", end: at(date, "10:00") });
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots.map((s: { status: string }) => s.status)).toEqual([
			"full",
			"full",
			"available",
			"available",
		]);
		const crossing = await book(bearer(b.token), {
			doctor_id: doctor.id,
			start: at(date, "10:30"),
			type: "long",
		});
		expect([crossing.status, crossing.body.error?.code]).toEqual([409, "SLOT_NOT_FOUND"]);
		const unknown = await book(bearer(c.token), {
			doctor_id: doctor.id,
			start: at(date, "10:00"),
			type: "short",
		});
		expect([unknown.status, unknown.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
		const held = await api("POST", "/api/holds", {
			headers: bearer(c.token),
			body: { doctor_id: doctor.id, start: at(date, "10:00"), type: "long" },
		});
		expect(held.status, JSON.stringify(held.body)).toBe(201);
		expect(held.body.hold).toMatchObject({ type: "long", end: at(date, "11:00") });
	});

	it("the day says each type's length and the starts it can take, and open pages hear both change", async () => {
		const doctor = await createDoctor(types);
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const date = inDays(4);
		const startsOf = (slots: { time: string; types?: string[] }[]) =>
			slots.map((s) => `${s.time} ${(s.types ?? ["-"]).join(" ")}`);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.appointment_types).toEqual([
			{ id: "long", name: "Long consultation", slots: 2, minutes: 60 },
		]);
		expect(startsOf(day.body.slots)).toEqual(["09:00 long", "09:30 long", "10:00 long", "10:30 "]);
		const inbox = await openSocket(`/api/doctors/${doctor.id}/availability/date/${date}/live`);
		expect(startsOf((await inbox.next()).slots)).toEqual(startsOf(day.body.slots));
		const booked = await book(bearer(patient.token), { doctor_id: doctor.id, start: at(date, "10:00") });
		expect(booked.status).toBe(201);
		// 10:00 is full, and 09:30 can no longer start a long visit: both are sent.
		const update = await inbox.next();
		expect(startsOf(update.slots)).toEqual(["09:30 ", "10:00 "]);
		expect(update).not.toHaveProperty("appointment_types");
		const put = await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: { timezone: "UTC", weekly: WEEK },
		});
		expect(put.status).toBe(200);
		const dropped = await inbox.next();
		expect(dropped.appointment_types).toEqual([]);
		expect(startsOf(dropped.slots)).toEqual(["09:00 -", "09:30 -", "10:00 -", "10:30 -"]);
		inbox.close();
	});
});

describe("POST /api/doctors/:id/schedule/preview", () => {
	it("answers the slots the schedule would give on the date, and writes nothing", async () => {
		const doctor = await createDoctor({ weekly: WEEK });
		const before = await api("GET", `/api/doctors/${doctor.id}/schedule`);
		const preview = await api("POST", `/api/doctors/${doctor.id}/schedule/preview`, {
			headers: bearer(doctor.token),
			body: {
				timezone: "America/New_York",
				slot_minutes: 30,
				buffer_minutes: 15,
				capacity: 3,
				reserved_places: 1,
				weekly: allWeek([{ start: "01:00", end: "04:00" }]),
				date: "2027-03-14",
			},
		});
		expect(preview.status, JSON.stringify(preview.body)).toBe(200);
		expect(preview.body).toEqual({
			date: "2027-03-14",
			timezone: "America/New_York",
			slots: [
				{
					start: "2027-03-14T06:00:00.000Z",
					end: "2027-03-14T06:30:00.000Z",
					time: "01:00",
					capacity: 3,
					patient_places: 2,
				},
				{
					start: "2027-03-14T06:45:00.000Z",
					end: "2027-03-14T07:15:00.000Z",
					time: "01:45",
					capacity: 3,
					patient_places: 2,
				},
				{
					start: "2027-03-14T07:30:00.000Z",
					end: "2027-03-14T08:00:00.000Z",
					time: "03:30",
					capacity: 3,
					patient_places: 2,
				},
			],
		});
		expect((await api("GET", `/api/doctors/${doctor.id}/schedule`)).body).toEqual(before.body);
	});

	it("needs a real date and the doctor or an admin", async () => {
		const doctor = await createDoctor({ weekly: WEEK });
		const [patient] = await createPatients(1);
		if (patient === undefined) throw new Error("patient");
		const path = `/api/doctors/${doctor.id}/schedule/preview`;
		const body = { timezone: "UTC", weekly: WEEK, date: "2027-02-30" };
		expect((await api("POST", path, { headers: ADMIN, body })).status).toBe(400);
		const ok = { ...body, date: "2027-03-01" };
		expect((await api("POST", path, { headers: bearer(patient.token), body: ok })).status).toBe(403);
		expect((await api("POST", path, { body: ok })).status).toBe(401);
		const admin = await api("POST", path, { headers: ADMIN, body: ok });
		expect(admin.body.slots).toHaveLength(4);
	});
});
