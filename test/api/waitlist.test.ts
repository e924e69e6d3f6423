// /api/waitlist through the Worker: the contract's shapes and codes, bad input, who may act on an entry, the
// patient's list (the D1 projection) and the waitlist_offer notification.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatients, eventually, inDays } from "../helpers";

function join(token: string, body: Record<string, unknown>) {
	return api("POST", "/api/waitlist", { headers: bearer(token), body });
}

/** A doctor with one place per slot, `date`'s 10:00 booked by the first patient, and two more patients. */
async function fullSlot() {
	const doctor = await createDoctor({ capacity: 1 });
	const [booker, first, second] = await createPatients(3);
	if (booker === undefined || first === undefined || second === undefined) throw new Error("three patients");
	const date = inDays(6);
	const start = at(date, "10:00");
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(booker.token),
		body: { doctor_id: doctor.id, start },
	});
	expect(booked.status).toBe(201);
	return { doctor, booker, first, second, date, start, appointmentId: booked.body.appointment.id as string };
}

describe("POST /api/waitlist", () => {
	it("joins a full slot (201, position 1, 2), refuses SLOT_AVAILABLE, ALREADY_WAITING", async () => {
		const { doctor, first, second, date, start } = await fullSlot();
		const a = await join(first.token, { doctor_id: doctor.id, date, start });
		expect(a.status, JSON.stringify(a.body)).toBe(201);
		expect(a.body.entry).toMatchObject({
			doctor_id: doctor.id,
			date,
			start,
			position: 1,
			status: "waiting",
		});
		const b = await join(second.token, { doctor_id: doctor.id, date, start });
		expect(b.body.entry.position).toBe(2);
		// The list (the D1 projection) counts the same place in line.
		await eventually(async () => {
			const list = await api("GET", "/api/waitlist", { headers: bearer(second.token) });
			return list.body.entries[0]?.position === 2;
		});
		const again = await join(first.token, { doctor_id: doctor.id, date, start });
		expect(again.status).toBe(409);
		expect(again.body.error.code).toBe("ALREADY_WAITING");
		const free = await join(first.token, { doctor_id: doctor.id, date, start: at(date, "11:00") });
		expect(free.status).toBe(409);
		expect(free.body.error.code).toBe("SLOT_AVAILABLE");
		const anySlot = await join(first.token, { doctor_id: doctor.id, date });
		expect(anySlot.body.error.code).toBe("SLOT_AVAILABLE");
	});

	it("answers 400 for bad input and 409/404 for places that cannot be waited for, writing nothing", async () => {
		const { doctor, first, date } = await fullSlot();
		const cases: [Record<string, unknown>, number, string][] = [
			[{ doctor_id: doctor.id }, 400, "VALIDATION_ERROR"],
			[{ doctor_id: doctor.id, date: "2027-02-30" }, 400, "VALIDATION_ERROR"],
			[{ doctor_id: doctor.id, date, start: "10:00" }, 400, "VALIDATION_ERROR"],
			[{ doctor_id: doctor.id, date, extra: 1 }, 400, "VALIDATION_ERROR"],
			[{ doctor_id: "no-such-doctor", date }, 404, "DOCTOR_NOT_FOUND"],
			[{ doctor_id: doctor.id, date: inDays(400) }, 409, "DAY_UNAVAILABLE"],
			[{ doctor_id: doctor.id, date, start: at(inDays(7), "10:00") }, 409, "SLOT_NOT_FOUND"],
			[{ doctor_id: doctor.id, date, start: at(date, "10:10") }, 409, "SLOT_NOT_FOUND"],
		];
		for (const [body, status, code] of cases) {
			const call = await join(first.token, body);
			expect([call.status, call.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
		}
		const list = await api("GET", "/api/waitlist", { headers: bearer(first.token) });
		expect(list.body).toEqual({ entries: [], next_cursor: null });
	});

	it("is for patients: 401 without a token, 403 for a doctor", async () => {
		const { doctor, date } = await fullSlot();
		expect((await api("POST", "/api/waitlist", { body: { doctor_id: doctor.id, date } })).status).toBe(401);
		expect((await join(doctor.token, { doctor_id: doctor.id, date })).status).toBe(403);
	});
});

describe("an offer over HTTP", () => {
	it("a cancellation offers the place; another patient cannot accept it; the patient accepts (201) and is notified", async () => {
		const { doctor, booker, first, second, date, start, appointmentId } = await fullSlot();
		const entry = (await join(first.token, { doctor_id: doctor.id, date, start })).body.entry;
		const cancel = await api("POST", `/api/appointments/${appointmentId}/cancel`, {
			headers: bearer(booker.token),
		});
		expect(cancel.status).toBe(200);
		const read = await api("GET", `/api/waitlist/${entry.id}`, { headers: bearer(first.token) });
		expect(read.body.entry).toMatchObject({ status: "offered", offered_start: start, position: null });
		expect(Date.parse(read.body.entry.offer_expires_at)).toBeGreaterThan(Date.now() + 800_000);
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(slot.body.slots.find((s: { start: string }) => s.start === start)).toMatchObject({
			held: 1,
			status: "held",
		});

		for (const path of [
			`/api/waitlist/${entry.id}`,
			`/api/waitlist/${entry.id}/accept`,
			`/api/waitlist/${entry.id}/decline`,
		]) {
			const method = path.endsWith(entry.id) ? "GET" : "POST";
			const other = await api(method, path, { headers: bearer(second.token) });
			expect([path, other.status, other.body.error.code]).toEqual([path, 403, "FORBIDDEN"]);
		}
		expect((await api("DELETE", `/api/waitlist/${entry.id}`, { headers: bearer(second.token) })).status).toBe(
			403,
		);

		const accepted = await api("POST", `/api/waitlist/${entry.id}/accept`, { headers: bearer(first.token) });
		expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
		expect(accepted.body.appointment).toMatchObject({ patient_id: first.id, start, status: "confirmed" });
		const twice = await api("POST", `/api/waitlist/${entry.id}/accept`, { headers: bearer(first.token) });
		expect([twice.status, twice.body.error.code]).toEqual([409, "ALREADY_BOOKED"]);

		let notified: { type: string; title: string }[] = [];
		await eventually(async () => {
			const inbox = await api("GET", "/api/notifications", { headers: bearer(first.token) });
			notified = inbox.body.notifications;
			return notified.some((n) => n.type === "waitlist_offer");
		});
		expect(notified.find((n) => n.type === "waitlist_offer")).toMatchObject({
			title: "A place freed up for you",
			appointment_id: null,
		});
		await eventually(async () => {
			const list = await api("GET", "/api/waitlist", { headers: bearer(first.token) });
			return list.body.entries[0]?.status === "accepted";
		});
	});

	it("decline passes the place on; decline of a waiting entry is OFFER_EXPIRED; DELETE leaves, harmless twice", async () => {
		const { doctor, booker, first, second, date, start, appointmentId } = await fullSlot();
		const a = (await join(first.token, { doctor_id: doctor.id, date, start })).body.entry;
		const b = (await join(second.token, { doctor_id: doctor.id, date, start })).body.entry;
		const early = await api("POST", `/api/waitlist/${a.id}/decline`, { headers: bearer(first.token) });
		expect([early.status, early.body.error.code]).toEqual([409, "OFFER_EXPIRED"]);
		await api("POST", `/api/appointments/${appointmentId}/cancel`, { headers: bearer(booker.token) });
		const declined = await api("POST", `/api/waitlist/${a.id}/decline`, { headers: bearer(first.token) });
		expect(declined.body.entry.status).toBe("declined");
		const next = await api("GET", `/api/waitlist/${b.id}`, { headers: bearer(second.token) });
		expect(next.body.entry).toMatchObject({ status: "offered", offered_start: start });
		const late = await api("POST", `/api/waitlist/${a.id}/accept`, { headers: bearer(first.token) });
		expect([late.status, late.body.error.code]).toEqual([409, "OFFER_EXPIRED"]);
		for (let i = 0; i < 2; i++) {
			const left = await api("DELETE", `/api/waitlist/${b.id}`, { headers: bearer(second.token) });
			expect([left.status, left.body.entry.status]).toEqual([200, "left"]);
		}
		// Leaving with the offer gave the place back: it is free again.
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(slot.body.slots.find((s: { start: string }) => s.start === start)).toMatchObject({
			status: "available",
		});
	});

	it("a deleted account leaves its waitlists: its offer passes to the next in line", async () => {
		const { doctor, booker, first, second, date, start, appointmentId } = await fullSlot();
		const a = (await join(first.token, { doctor_id: doctor.id, date, start })).body.entry;
		const b = (await join(second.token, { doctor_id: doctor.id, date, start })).body.entry;
		await api("POST", `/api/appointments/${appointmentId}/cancel`, { headers: bearer(booker.token) });
		// The account's list is the D1 projection, which follows the day moments later.
		await eventually(async () => {
			const list = await api("GET", "/api/waitlist", { headers: bearer(first.token) });
			return list.body.entries[0]?.status === "offered";
		});
		expect((await api("DELETE", "/api/me", { headers: bearer(first.token) })).status).toBe(200);
		const left = await api("GET", `/api/waitlist/${a.id}`, { headers: ADMIN });
		expect(left.body.entry.status).toBe("left");
		const next = await api("GET", `/api/waitlist/${b.id}`, { headers: bearer(second.token) });
		expect(next.body.entry.status).toBe("offered");
	});

	it("refuses made-up and malformed ids with 404 before any object", async () => {
		const [patient] = await createPatients(1);
		const headers = bearer(patient?.token ?? "");
		for (const id of ["nope", `dr_x.${inDays(3)}.0123456789abcdef0123456789abcdef`]) {
			expect((await api("GET", `/api/waitlist/${id}`, { headers })).status).toBe(404);
			expect((await api("POST", `/api/waitlist/${id}/accept`, { headers })).status).toBe(404);
		}
		expect((await api("GET", "/api/waitlist?limit=0", { headers })).status).toBe(400);
		expect((await api("GET", "/api/waitlist?cursor=zzz", { headers })).status).toBe(400);
	});

	it("lists own entries a page at a time", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [booker, patient] = await createPatients(2);
		if (booker === undefined || patient === undefined) throw new Error("two patients");
		const dates = [inDays(8), inDays(9), inDays(10)];
		for (const date of dates) {
			const start = at(date, "09:00");
			await api("POST", "/api/appointments", {
				headers: ADMIN,
				body: { doctor_id: doctor.id, start, patient_id: booker.id },
			});
			expect((await join(patient.token, { doctor_id: doctor.id, date, start })).status).toBe(201);
		}
		await eventually(async () => {
			const all = await api("GET", "/api/waitlist", { headers: bearer(patient.token) });
			return all.body.entries.length === 3;
		});
		const first = await api("GET", "/api/waitlist?limit=2", { headers: bearer(patient.token) });
		expect(first.body.entries.map((e: { date: string }) => e.date)).toEqual(dates.slice(0, 2));
		expect(first.body.entries[0].position).toBe(1);
		const rest = await api("GET", `/api/waitlist?limit=2&cursor=${first.body.next_cursor}`, {
			headers: bearer(patient.token),
		});
		expect(rest.body).toMatchObject({ entries: [{ date: dates[2] }], next_cursor: null });
		const theirs = await api("GET", "/api/waitlist", { headers: bearer(booker.token) });
		expect(theirs.body.entries).toEqual([]);
	});
});
