// expected_version on bookings and holds: a page that showed an older version of the day gets SLOT_CHANGED
// with the slot as it is now when that slot changed since, and goes through when only other slots did.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatients, inDays } from "../helpers";

async function dayVersion(doctorId: string, date: string): Promise<number> {
	return (await api("GET", `/api/doctors/${doctorId}/availability/date/${date}`)).body.version;
}

describe("expected_version", () => {
	it("refuses a booking and a hold of a slot changed since the page's version, even with a place free", async () => {
		const doctor = await createDoctor({ capacity: 3 });
		const [a, b, c] = await createPatients(3);
		if (!a || !b || !c) throw new Error("patients");
		const date = inDays(5);
		const start = at(date, "10:00");
		const seen = await dayVersion(doctor.id, date);
		const first = await api("POST", "/api/appointments", {
			headers: bearer(a.token),
			body: { doctor_id: doctor.id, start, expected_version: seen },
		});
		expect(first.status).toBe(201);
		for (const path of ["/api/appointments", "/api/holds"]) {
			const stale = await api("POST", path, {
				headers: bearer(b.token),
				body: { doctor_id: doctor.id, start, expected_version: seen },
			});
			expect(stale.status).toBe(409);
			expect(stale.body.error).toMatchObject({
				code: "SLOT_CHANGED",
				version: seen + 1,
				slot: { start, booked: 1, held: 0, remaining: 2, status: "available" },
			});
		}
		// Nothing was written by the refusals, and the fresh version goes through.
		expect(await dayVersion(doctor.id, date)).toBe(seen + 1);
		const fresh = await api("POST", "/api/holds", {
			headers: bearer(b.token),
			body: { doctor_id: doctor.id, start, expected_version: seen + 1 },
		});
		expect(fresh.status).toBe(201);
	});

	it("lets a stale page book a slot that did not change, and counts a schedule change as changing every slot", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const [a, b, c] = await createPatients(3);
		if (!a || !b || !c) throw new Error("patients");
		const date = inDays(5);
		const seen = await dayVersion(doctor.id, date);
		await api("POST", "/api/appointments", {
			headers: bearer(a.token),
			body: { doctor_id: doctor.id, start: at(date, "11:00") },
		});
		const elsewhere = await api("POST", "/api/appointments", {
			headers: bearer(b.token),
			body: { doctor_id: doctor.id, start: at(date, "11:30"), expected_version: seen },
		});
		expect(elsewhere.status).toBe(201);

		const before = await dayVersion(doctor.id, date);
		const blocked = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: ADMIN,
			body: { date, start: "15:00", end: "16:00" },
		});
		expect(blocked.status).toBe(201);
		const afterBlock = await api("POST", "/api/holds", {
			headers: bearer(c.token),
			body: { doctor_id: doctor.id, start: at(date, "12:00"), expected_version: before },
		});
		expect([afterBlock.status, afterBlock.body.error?.code]).toEqual([409, "SLOT_CHANGED"]);
	});

	it("refuses a version that is not a whole number with 400", async () => {
		const doctor = await createDoctor();
		const [a] = await createPatients(1);
		for (const expected_version of [-1, 1.5, "3"]) {
			const bad = await api("POST", "/api/holds", {
				headers: bearer(a?.token ?? ""),
				body: { doctor_id: doctor.id, start: at(inDays(5), "10:00"), expected_version },
			});
			expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		}
	});
});
