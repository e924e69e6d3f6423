// /api/holds through the Worker: the contract's shapes and codes, and exact counts under concurrency.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { doctorDay } from "../../src/doctor-day/stub";
import {
	ADMIN,
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	createPatients,
	inDays,
	tampered,
} from "../helpers";
import { ageHolds } from "../holds-time";

function hold(token: string, body: Record<string, unknown>) {
	return api("POST", "/api/holds", { headers: bearer(token), body });
}

function book(token: string, body: Record<string, unknown>) {
	return api("POST", "/api/appointments", { headers: bearer(token), body });
}

function codes(calls: Array<{ status: number; body: { error?: { code: string } } }>) {
	const tally: Record<string, number> = {};
	for (const call of calls) {
		const key = call.status < 300 ? String(call.status) : `${call.status} ${call.body.error?.code}`;
		tally[key] = (tally[key] ?? 0) + 1;
	}
	return tally;
}

async function slotOf(doctorId: string, date: string, start: string) {
	const day = await api("GET", `/api/doctors/${doctorId}/availability/date/${date}`);
	return {
		version: day.body.version,
		slot: day.body.slots.find((s: { start: string }) => s.start === start),
	};
}

describe("POST /api/holds", () => {
	it("holds one place for hold_seconds, shows it as held, and a second hold of the patient replaces the first", async () => {
		const doctor = await createDoctor({ capacity: 1, hold_seconds: 120 });
		const patient = await createPatient();
		const date = inDays(3);
		const start = at(date, "10:00");
		const before = Date.now();
		const first = await hold(patient.token, { doctor_id: doctor.id, start });
		expect(first.status).toBe(201);
		expect(Object.keys(first.body.hold).sort()).toEqual([
			"doctor_id",
			"end",
			"expires_at",
			"id",
			"patient_id",
			"start",
		]);
		expect(first.body.hold).toMatchObject({
			doctor_id: doctor.id,
			patient_id: patient.id,
			start,
			end: at(date, "10:30"),
		});
		const expires = Date.parse(first.body.hold.expires_at);
		expect(expires).toBeGreaterThanOrEqual(before + 120_000);
		expect(expires).toBeLessThanOrEqual(Date.now() + 120_000);
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({
			held: 1,
			remaining: 0,
			booked: 0,
			status: "held",
		});

		const moved = await hold(patient.token, { doctor_id: doctor.id, start: at(date, "11:00") });
		expect(moved.status).toBe(201);
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({ held: 0, status: "available" });
		expect((await slotOf(doctor.id, date, at(date, "11:00"))).slot).toMatchObject({
			held: 1,
			status: "held",
		});
		// The replaced hold is over: confirming it books nothing.
		const stale = await book(patient.token, { doctor_id: doctor.id, start, hold_id: first.body.hold.id });
		expect([stale.status, stale.body.error.code]).toEqual([409, "HOLD_EXPIRED"]);
	});

	it("refuses the last place another patient holds with SLOT_HELD and held_until, and a booking likewise", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [a, b] = await createPatients(2);
		if (!a || !b) throw new Error("patients");
		const start = at(inDays(3), "09:30");
		const held = await hold(a.token, { doctor_id: doctor.id, start });
		const refused = await hold(b.token, { doctor_id: doctor.id, start });
		expect(refused.status).toBe(409);
		expect(refused.body.error).toMatchObject({
			code: "SLOT_HELD",
			held_until: held.body.hold.expires_at,
			current_bookings: 0,
			max_capacity: 1,
		});
		const booking = await book(b.token, { doctor_id: doctor.id, start });
		expect([booking.status, booking.body.error.code, booking.body.error.held_until]).toEqual([
			409,
			"SLOT_HELD",
			held.body.hold.expires_at,
		]);
	});

	it("lets a doctor or admin hold for a patient_id, and refuses bad input with 400 and the rules with 409", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(3);
		const forPatient = await api("POST", "/api/holds", {
			headers: ADMIN,
			body: { doctor_id: doctor.id, start: at(date, "09:00"), patient_id: patient.id },
		});
		expect(forPatient.status).toBe(201);
		expect(forPatient.body.hold.patient_id).toBe(patient.id);
		const noPatient = await api("POST", "/api/holds", {
			headers: ADMIN,
			body: { doctor_id: doctor.id, start: at(date, "09:00") },
		});
		expect([noPatient.status, noPatient.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		for (const body of [
			{ doctor_id: doctor.id },
			{ doctor_id: doctor.id, start: "soon" },
			{ doctor_id: doctor.id, start: at(date, "09:00"), extra: 1 },
		]) {
			const bad = await hold(patient.token, body);
			expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		}
		const notSlot = await hold(patient.token, { doctor_id: doctor.id, start: at(date, "09:10") });
		expect([notSlot.status, notSlot.body.error.code]).toEqual([409, "SLOT_NOT_FOUND"]);
		const unknown = await hold(patient.token, { doctor_id: "no-such-doctor", start: at(date, "09:00") });
		expect([unknown.status, unknown.body.error.code]).toEqual([404, "DOCTOR_NOT_FOUND"]);
		const anonymous = await api("POST", "/api/holds", {
			body: { doctor_id: doctor.id, start: at(date, "09:00") },
		});
		expect(anonymous.status).toBe(401);
	});
});

describe("DELETE /api/holds/:id", () => {
	it("frees the place, answers 200 again when repeated, and refuses strangers and made-up ids", async () => {
		const doctor = await createDoctor();
		const [owner, stranger] = await createPatients(2);
		if (!owner || !stranger) throw new Error("patients");
		const date = inDays(4);
		const start = at(date, "10:00");
		const { body } = await hold(owner.token, { doctor_id: doctor.id, start });
		const path = `/api/holds/${body.hold.id}`;
		const forbidden = await api("DELETE", path, { headers: bearer(stranger.token) });
		expect([forbidden.status, forbidden.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const released = await api("DELETE", path, { headers: bearer(owner.token) });
		expect(released.status).toBe(200);
		expect(released.body.hold).toEqual(body.hold);
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({ held: 0, status: "available" });
		const again = await api("DELETE", path, { headers: bearer(owner.token) });
		expect([again.status, again.body.hold.id]).toEqual([200, body.hold.id]);
		const forged = await api("DELETE", tampered(path), { headers: bearer(owner.token) });
		expect([forged.status, forged.body.error.code]).toEqual([404, "NOT_FOUND"]);
		// An appointment id is not a hold id, though both name the day.
		const booked = await book(owner.token, { doctor_id: doctor.id, start });
		const wrongKind = await api("DELETE", `/api/holds/${booked.body.appointment.id}`, {
			headers: bearer(owner.token),
		});
		expect(wrongKind.status).toBe(404);
	});
});

describe("POST /api/appointments with hold_id", () => {
	it("turns the hold into the appointment; a retry answers the same one; an expired hold books nothing", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const date = inDays(4);
		const start = at(date, "11:00");
		const held = await hold(patient.token, { doctor_id: doctor.id, start });
		const confirmed = await book(patient.token, { doctor_id: doctor.id, start, hold_id: held.body.hold.id });
		expect(confirmed.status).toBe(201);
		expect(confirmed.body.appointment).toMatchObject({ patient_id: patient.id, start, status: "confirmed" });
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({ booked: 1, held: 0, remaining: 1 });
		const retried = await book(patient.token, { doctor_id: doctor.id, start, hold_id: held.body.hold.id });
		expect([retried.status, retried.body.appointment.id]).toEqual([201, confirmed.body.appointment.id]);

		const other = await createPatient();
		const late = await hold(other.token, { doctor_id: doctor.id, start });
		await ageHolds(doctorDay(env, doctor.id, date), 300_000);
		const expired = await book(other.token, { doctor_id: doctor.id, start, hold_id: late.body.hold.id });
		expect([expired.status, expired.body.error.code]).toEqual([409, "HOLD_EXPIRED"]);
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({ booked: 1, held: 0, remaining: 1 });
	});

	it("refuses another patient's hold (403), a hold for another slot (400) and a made-up hold (404)", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const [owner, other] = await createPatients(2);
		if (!owner || !other) throw new Error("patients");
		const start = at(inDays(4), "12:00");
		const { body } = await hold(owner.token, { doctor_id: doctor.id, start });
		const theirs = await book(other.token, { doctor_id: doctor.id, start, hold_id: body.hold.id });
		expect([theirs.status, theirs.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const elsewhere = await book(owner.token, {
			doctor_id: doctor.id,
			start: at(inDays(4), "12:30"),
			hold_id: body.hold.id,
		});
		expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		const forged = await book(owner.token, {
			doctor_id: doctor.id,
			start,
			hold_id: tampered(body.hold.id),
		});
		expect([forged.status, forged.body.error.code]).toEqual([404, "NOT_FOUND"]);
	});
});

describe("holds under concurrency", () => {
	it("gives exactly 5 holds of 200 simultaneous attempts on a capacity-5 slot", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const date = inDays(6);
		const start = at(date, "14:00");
		const patients = await createPatients(200);
		const calls = await Promise.all(patients.map((p) => hold(p.token, { doctor_id: doctor.id, start })));
		expect(codes(calls)).toEqual({ "201": 5, "409 SLOT_HELD": 195 });
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({
			booked: 0,
			held: 5,
			remaining: 0,
			status: "held",
		});
		const holders = calls.filter((c) => c.status === 201).map((c) => c.body.hold.patient_id);
		expect(new Set(holders).size).toBe(5);
	});

	it("never loses a hold's place: 5 confirms racing 100 plain bookings all succeed, and nobody else gets in", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const date = inDays(6);
		const start = at(date, "15:00");
		const holders = await createPatients(5);
		const others = await createPatients(100);
		const holds = await Promise.all(holders.map((p) => hold(p.token, { doctor_id: doctor.id, start })));
		expect(codes(holds)).toEqual({ "201": 5 });
		const [confirms, plain] = await Promise.all([
			Promise.all(
				holders.map((p, i) =>
					book(p.token, { doctor_id: doctor.id, start, hold_id: holds[i]?.body.hold.id }),
				),
			),
			Promise.all(others.map((p) => book(p.token, { doctor_id: doctor.id, start }))),
		]);
		expect(codes(confirms)).toEqual({ "201": 5 });
		expect(
			plain.every((c) => c.status === 409 && ["SLOT_HELD", "SLOT_FULL"].includes(c.body.error.code)),
		).toBe(true);
		expect((await slotOf(doctor.id, date, start)).slot).toMatchObject({
			booked: 5,
			held: 0,
			remaining: 0,
			status: "full",
		});
	});
});
