// Family bookings end to end: dependents, booking self and dependents into one slot (all or none), who may
// be booked (checked from the ids, no D1 read), bad input, names for the doctor, and exact counts at once.
import { describe, expect, it } from "vitest";
import {
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	createPatients,
	eventually,
	inDays,
	projected,
	tampered,
} from "../helpers";

async function addDependent(token: string, name: string) {
	const added = await api("POST", "/api/me/dependents", { headers: bearer(token), body: { name } });
	expect(added.status).toBe(201);
	return added.body.dependent as { id: string; name: string };
}

const bookFamily = (token: string, body: Record<string, unknown>, key?: string) =>
	api("POST", "/api/appointments", {
		headers: { ...bearer(token), ...(key === undefined ? {} : { "idempotency-key": key }) },
		body,
	});

describe("dependents", () => {
	it("adds and lists an account's dependents; nobody else sees them; bad input is 400", async () => {
		const [patient, other] = [await createPatient(), await createPatient()];
		const ada = await addDependent(patient.token, "Ada");
		const added = await api("POST", "/api/me/dependents", {
			headers: bearer(patient.token),
			body: { name: "Bo", birth_date: "2019-05-01" },
		});
		expect(added.body.dependent).toMatchObject({ name: "Bo", birth_date: "2019-05-01" });
		const listed = await api("GET", "/api/me/dependents", { headers: bearer(patient.token) });
		expect(listed.body.dependents.map((d: { name: string }) => d.name)).toEqual(["Ada", "Bo"]);
		expect(listed.body.dependents[0].id).toBe(ada.id);
		expect(
			(await api("GET", "/api/me/dependents", { headers: bearer(other.token) })).body.dependents,
		).toEqual([]);
		for (const body of [{}, { name: "" }, { name: "X", birth_date: "2019-02-30" }, { name: "X", extra: 1 }]) {
			const refused = await api("POST", "/api/me/dependents", { headers: bearer(patient.token), body });
			expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([
				400,
				"VALIDATION_ERROR",
			]);
		}
		expect((await api("GET", "/api/me/dependents")).status).toBe(401);
	});
});

describe("POST /api/appointments with patient_ids", () => {
	it("books the caller and their dependents into one slot; a retry answers the same; the doctor sees the names", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const patient = await createPatient();
		const [ada, bo] = [await addDependent(patient.token, "Ada"), await addDependent(patient.token, "Bo")];
		const date = inDays(3);
		const body = { doctor_id: doctor.id, start: at(date, "09:00"), patient_ids: [patient.id, ada.id, bo.id] };
		const key = crypto.randomUUID();
		const booked = await bookFamily(patient.token, body, key);
		expect(booked.status).toBe(201);
		expect(booked.body.appointments.map((a: { patient_id: string }) => a.patient_id)).toEqual(
			body.patient_ids,
		);
		const again = await bookFamily(patient.token, body, key);
		expect(again.body.appointments.map((a: { id: string }) => a.id)).toEqual(
			booked.body.appointments.map((a: { id: string }) => a.id),
		);
		const day = await api("GET", `/api/doctors/${doctor.id}/days/${date}/appointments`, {
			headers: bearer(doctor.token),
		});
		expect(day.body.appointments.map((a: { patient_name: string }) => a.patient_name).sort()).toEqual(
			["Ada", "Bo", "Test Patient"].sort(),
		);
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(slot.body.slots.find((s: { time: string }) => s.time === "09:00").booked).toBe(3);
	});

	it("books none when the slot has room for fewer than all", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const ada = await addDependent(patient.token, "Ada");
		const bo = await addDependent(patient.token, "Bo");
		const full = await bookFamily(patient.token, {
			doctor_id: doctor.id,
			start: at(inDays(3), "09:00"),
			patient_ids: [patient.id, ada.id, bo.id],
		});
		expect(full.status).toBe(409);
		expect(full.body.error).toMatchObject({ code: "SLOT_FULL", current_bookings: 0, max_capacity: 2 });
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(3)}`);
		expect(slot.body.slots.find((s: { time: string }) => s.time === "09:00").booked).toBe(0);
	});

	it("refuses others' dependents, forged ids, doctors, duplicates and more than 10", async () => {
		const doctor = await createDoctor({ capacity: 20 });
		const [patient, other] = [await createPatient(), await createPatient()];
		const theirs = await addDependent(other.token, "Cy");
		const mine = await addDependent(patient.token, "Ada");
		const start = at(inDays(3), "10:00");
		const cases: [string, Record<string, unknown>, number, string][] = [
			["another's dependent", { patient_ids: [patient.id, theirs.id] }, 403, "FORBIDDEN"],
			["another patient", { patient_ids: [patient.id, other.id] }, 403, "FORBIDDEN"],
			["a forged dependent id", { patient_ids: [tampered(mine.id)] }, 403, "FORBIDDEN"],
			["a duplicate", { patient_ids: [patient.id, patient.id] }, 400, "VALIDATION_ERROR"],
			["none", { patient_ids: [] }, 400, "VALIDATION_ERROR"],
			["eleven", { patient_ids: Array.from({ length: 11 }, (_, i) => `dep-${i}`) }, 400, "VALIDATION_ERROR"],
			["with patient_id", { patient_ids: [patient.id], patient_id: patient.id }, 400, "VALIDATION_ERROR"],
		];
		for (const [name, extra, status, code] of cases) {
			const refused = await bookFamily(patient.token, { doctor_id: doctor.id, start, ...extra });
			expect([refused.status, refused.body.error?.code], name).toEqual([status, code]);
		}
		const byDoctor = await bookFamily(doctor.token, { doctor_id: doctor.id, start, patient_ids: [mine.id] });
		expect(byDoctor.status).toBe(403);
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(3)}`);
		expect(slot.body.slots.find((s: { time: string }) => s.time === "10:00").booked).toBe(0);
	});

	it("200 families of 3 at once on capacity 10: exactly three 201s, nine places", async () => {
		const doctor = await createDoctor({ capacity: 10 });
		const owners = await createPatients(200);
		const families = await Promise.all(
			owners.map(async (p) => [
				p.id,
				(await addDependent(p.token, "A")).id,
				(await addDependent(p.token, "B")).id,
			]),
		);
		const start = at(inDays(4), "11:00");
		const answers = await Promise.all(
			owners.map((p, i) => bookFamily(p.token, { doctor_id: doctor.id, start, patient_ids: families[i] })),
		);
		expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
		expect(answers.filter((a) => a.status === 409)).toHaveLength(197);
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(4)}`);
		expect(slot.body.slots.find((s: { time: string }) => s.time === "11:00").booked).toBe(9);
	});
});

describe("DELETE /api/me/dependents/:id", () => {
	it("removes it for its owner only: future places cancelled by the owner and freed, past kept, never booked again", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const [patient, other] = [await createPatient(), await createPatient()];
		const [ada, bo] = [await addDependent(patient.token, "Ada"), await addDependent(patient.token, "Bo")];
		const date = inDays(3);
		const start = at(date, "09:00");
		const booked = await bookFamily(patient.token, {
			doctor_id: doctor.id,
			start,
			patient_ids: [patient.id, ada.id, bo.id],
		});
		expect(booked.status).toBe(201);
		await eventually(() => projected(ada.id, 1));
		const remove = (token: string, id: string) =>
			api("DELETE", `/api/me/dependents/${id}`, { headers: bearer(token) });
		// Another account, a made-up id, a doctor: nothing removed.
		expect((await remove(other.token, ada.id)).status).toBe(404);
		expect((await remove(patient.token, "dep-made-up-0123456789abcdef")).status).toBe(404);
		expect((await remove(doctor.token, ada.id)).status).toBe(403);
		const removed = await remove(patient.token, ada.id);
		expect([removed.status, removed.body]).toEqual([204, ""]);
		expect((await remove(patient.token, ada.id)).status).toBe(204); // harmless twice
		const listed = await api("GET", "/api/me/dependents", { headers: bearer(patient.token) });
		expect(listed.body.dependents.map((d: { id: string }) => d.id)).toEqual([bo.id]);
		const day = await api("GET", `/api/doctors/${doctor.id}/days/${date}/appointments`, {
			headers: bearer(doctor.token),
		});
		const byPatient = new Map(
			day.body.appointments.map((a: { patient_id: string }) => [a.patient_id, a] as const),
		);
		expect(byPatient.get(ada.id)).toMatchObject({
			status: "cancelled",
			history: [{ status: "confirmed" }, { status: "cancelled", by: patient.id }],
		});
		expect([byPatient.get(patient.id), byPatient.get(bo.id)]).toMatchObject([
			{ status: "confirmed" },
			{ status: "confirmed" },
		]);
		const slot = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(slot.body.slots.find((s: { time: string }) => s.time === "09:00").booked).toBe(2);
		const again = await bookFamily(patient.token, {
			doctor_id: doctor.id,
			start: at(date, "10:00"),
			patient_ids: [patient.id, ada.id],
		});
		expect([again.status, again.body.error.code]).toEqual([403, "FORBIDDEN"]);
		const later = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(later.body.slots.find((s: { time: string }) => s.time === "10:00").booked).toBe(0);
	});
});
