// Calendar feeds and .ics files over HTTP, read back with ical.js: the feed's lifecycle (create, book,
// cancel, replace, revoke), what a doctor's feed holds, the 90-day bound, and who may read one event.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addDays, daysBetween, weekdayOf } from "../../src/core/time";
import { ADMIN, api, at, bearer, createDoctor, createPatient, eventually, inDays } from "../helpers";
import { parseCalendar } from "../parse-ics";

const ICS = "text/calendar; charset=utf-8";

async function newFeed(token: string): Promise<string> {
	const call = await api("POST", "/api/me/calendar-feed", { headers: bearer(token) });
	expect(call.status).toBe(201);
	expect(call.body.url).toMatch(/^http:\/\/docslot\.test\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
	expect(call.body.webcal_url).toBe(call.body.url.replace("http:", "webcal:"));
	return new URL(call.body.url).pathname;
}

/** Fetches a feed with no credentials, as a calendar app does. */
async function fetchFeed(path: string) {
	const call = await api("GET", path);
	if (call.status !== 200) return { status: call.status, events: [] };
	expect(call.headers.get("content-type")).toBe(ICS);
	expect(call.headers.get("cache-control")).toBe("no-store");
	return { status: call.status, events: parseCalendar(call.body).events };
}

async function book(doctorId: string, token: string, start: string) {
	const call = await api("POST", "/api/appointments", {
		headers: bearer(token),
		body: { doctor_id: doctorId, start },
	});
	expect(call.status).toBe(201);
	return call.body.appointment;
}

describe("a patient's calendar feed", () => {
	it("shows a booking, keeps it CANCELLED with a higher SEQUENCE, and stops at once when replaced or revoked", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(4);
		const path = await newFeed(patient.token);
		expect(await fetchFeed(path)).toEqual({ status: 200, events: [] });

		const appointment = await book(doctor.id, patient.token, at(date, "10:00"));
		await eventually(async () => (await fetchFeed(path)).events.length === 1);
		const [booked] = (await fetchFeed(path)).events;
		expect(booked).toMatchObject({
			uid: `${appointment.id}@docslot`,
			sequence: 0,
			status: "CONFIRMED",
			summary: "Appointment with Dr. Test",
			start: Date.parse(at(date, "10:00")),
			end: Date.parse(at(date, "10:30")),
		});

		await api("POST", `/api/appointments/${appointment.id}/cancel`, { headers: bearer(patient.token) });
		await eventually(async () => (await fetchFeed(path)).events[0]?.status === "CANCELLED");
		expect((await fetchFeed(path)).events).toEqual([{ ...booked, status: "CANCELLED", sequence: 1 }]);

		const replaced = await newFeed(patient.token);
		expect(replaced).not.toBe(path);
		expect((await fetchFeed(path)).status).toBe(404);
		expect((await fetchFeed(replaced)).events).toHaveLength(1);

		const revoked = await api("DELETE", "/api/me/calendar-feed", { headers: bearer(patient.token) });
		expect(revoked.body).toEqual({ revoked: true });
		expect((await fetchFeed(replaced)).status).toBe(404);
		const again = await api("DELETE", "/api/me/calendar-feed", { headers: bearer(patient.token) });
		expect(again.body).toEqual({ revoked: false });
	});

	it("serves appointments from 90 days ago onward", async () => {
		const patient = await createPatient();
		const path = await newFeed(patient.token);
		const insert = env.DB.prepare(
			"INSERT INTO appointments (id, doctor_id, patient_id, date, start, status, body, day_version, booked_by) VALUES (?, 'dr-old', ?, ?, ?, 'confirmed', ?, 1, ?)",
		);
		const rows = [89, 91].map((daysAgo) => {
			const start = new Date(Date.now() - daysAgo * 24 * 3600_000);
			const id = `dr-old.${start.toISOString().slice(0, 10)}.ago${daysAgo}`;
			const body = {
				id,
				doctor_id: "dr-old",
				patient_id: patient.id,
				date: start.toISOString().slice(0, 10),
				time: "10:00",
				start: start.toISOString(),
				end: new Date(start.getTime() + 1_800_000).toISOString(),
				status: "confirmed",
				consultation_mode: "in_person",
				reason: null,
				created_at: start.toISOString(),
				cancelled_at: null,
			};
			return insert.bind(id, patient.id, body.date, body.start, JSON.stringify(body), patient.id);
		});
		await env.DB.batch(rows);
		const { events } = await fetchFeed(path);
		expect(events.map((e) => e.uid)).toEqual([expect.stringMatching(/\.ago89@docslot$/)]);
	});

	it("is refused to the admin token and to no one signed in; unknown and malformed tokens are 404", async () => {
		expect((await api("POST", "/api/me/calendar-feed", { headers: ADMIN })).status).toBe(403);
		expect((await api("POST", "/api/me/calendar-feed")).status).toBe(401);
		expect((await api("DELETE", "/api/me/calendar-feed")).status).toBe(401);
		const unknown = await api("GET", `/calendar/${"A".repeat(43)}.ics`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe("NOT_FOUND");
		for (const path of ["/calendar/short.ics", `/calendar/${"A".repeat(43)}`, "/calendar/%00.ics"]) {
			expect((await api("GET", path)).status).toBe(404);
		}
	});

	it("stops when the account is deleted", async () => {
		const patient = await createPatient();
		const path = await newFeed(patient.token);
		expect((await api("DELETE", "/api/me", { headers: bearer(patient.token) })).status).toBe(200);
		expect((await fetchFeed(path)).status).toBe(404);
	});
});

describe("a doctor's calendar feed", () => {
	it("holds their schedule's appointments, whoever booked them, and no other doctor's", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const [ann, bob] = [await createPatient(), await createPatient()];
		const date = inDays(5);
		const path = await newFeed(doctor.token);
		const first = await book(doctor.id, ann.token, at(date, "09:00"));
		const second = await book(doctor.id, bob.token, at(date, "09:30"));
		await book(other.id, ann.token, at(date, "09:00"));
		await eventually(async () => (await fetchFeed(path)).events.length === 2);
		const { events } = await fetchFeed(path);
		expect(events.map((e) => e.uid)).toEqual([`${first.id}@docslot`, `${second.id}@docslot`]);
		expect(events.map((e) => e.summary)).toEqual([
			"Patient appointment (In person)",
			"Patient appointment (In person)",
		]);
	});
});

describe("GET /api/appointments/:id/ics", () => {
	it("is one current event for its patient, its doctor and admins; 403 to others, 401 signed out, 404 made up", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const [patient, stranger] = [await createPatient(), await createPatient()];
		const appointment = await book(doctor.id, patient.token, at(inDays(6), "11:00"));
		const path = `/api/appointments/${appointment.id}/ics`;
		for (const headers of [bearer(patient.token), bearer(doctor.token), ADMIN]) {
			const call = await api("GET", path, { headers });
			expect(call.status).toBe(200);
			expect(call.headers.get("content-type")).toBe(ICS);
			expect(call.headers.get("content-disposition")).toBe(
				`attachment; filename="appointment-${appointment.date}.ics"`,
			);
			expect(parseCalendar(call.body).events).toEqual([
				expect.objectContaining({
					uid: `${appointment.id}@docslot`,
					status: "CONFIRMED",
					start: Date.parse(appointment.start),
					end: Date.parse(appointment.end),
				}),
			]);
		}
		expect((await api("GET", path, { headers: bearer(stranger.token) })).status).toBe(403);
		expect((await api("GET", path, { headers: bearer(other.token) })).status).toBe(403);
		expect((await api("GET", path)).status).toBe(401);
		const forged = await api(
			"GET",
			`/api/appointments/${doctor.id}.${appointment.date}.abcdef0123456789abcdef/ics`,
			{
				headers: ADMIN,
			},
		);
		expect(forged.status).toBe(404);
		expect(forged.body.error.code).toBe("APPOINTMENT_NOT_FOUND");

		// Read from the day object, so a cancellation shows at once, one change later.
		await api("POST", `/api/appointments/${appointment.id}/cancel`, { headers: bearer(patient.token) });
		const cancelled = await api("GET", path, { headers: bearer(patient.token) });
		expect(parseCalendar(cancelled.body).events[0]).toMatchObject({ status: "CANCELLED", sequence: 1 });
	});
});

/** The next day New York's clocks spring forward (the second Sunday of March), at least two days ahead. */
function nextSpringForward(): string {
	const soonest = inDays(2);
	for (let year = Number(soonest.slice(0, 4)); ; year++) {
		const date = [8, 9, 10, 11, 12, 13, 14]
			.map((day) => `${year}-03-${String(day).padStart(2, "0")}`)
			.find((d) => weekdayOf(d) === "sunday") as string;
		if (date >= soonest) return date;
	}
}

describe("across a DST change", () => {
	it("a New York doctor's 09:00 is 14:00Z the day before the spring-forward and 13:00Z on it, in the feed and in FHIR", async () => {
		const dstDay = nextSpringForward();
		const dayBefore = addDays(dstDay, -1);
		const doctor = await createDoctor({
			timezone: "America/New_York",
			horizon_days: daysBetween(inDays(0), dstDay) + 2,
		});
		const patient = await createPatient();
		const path = await newFeed(patient.token);
		const before = await book(doctor.id, patient.token, `${dayBefore}T14:00:00.000Z`);
		const on = await book(doctor.id, patient.token, `${dstDay}T13:00:00.000Z`);
		expect([before.time, on.time]).toEqual(["09:00", "09:00"]);
		await eventually(async () => (await fetchFeed(path)).events.length === 2);
		const { events } = await fetchFeed(path);
		expect(events.map((e) => [new Date(e.start).toISOString(), new Date(e.end).toISOString()])).toEqual([
			[`${dayBefore}T14:00:00.000Z`, `${dayBefore}T14:30:00.000Z`],
			[`${dstDay}T13:00:00.000Z`, `${dstDay}T13:30:00.000Z`],
		]);

		const slots = await api("GET", `/fhir/r4/Slot?schedule=${doctor.id}&start=${dstDay}`);
		expect(slots.body.entry[0].resource).toMatchObject({ start: `${dstDay}T13:00:00.000Z`, status: "busy" });
		expect(slots.body.entry.at(-1).resource.end).toBe(`${dstDay}T21:00:00.000Z`);
	});
});
