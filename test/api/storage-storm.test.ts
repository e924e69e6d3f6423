// Anonymous reads cost no storage: dates outside a doctor's window, unknown doctors, made-up appointment
// ids and socket upgrades for such days are answered by the Worker before any object exists for them.
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays } from "../helpers";

const objectCount = async () =>
	(await listDurableObjectIds(env.DOCTOR_DAY)).length + (await listDurableObjectIds(env.DOCTOR)).length;

describe("a storm of reads of days that cannot exist", () => {
	it("creates no object, and the answers keep the contract", async () => {
		const doctor = await createDoctor({ horizon_days: 14 });
		const patient = await createPatient();
		const before = await objectCount();
		const dates = ["1970-01-01", "2001-02-03", inDays(-30), inDays(15), inDays(400), "9999-12-31"];
		const calls = await Promise.all([
			...dates.map((date) => api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`)),
			...dates.map((date) => api("GET", `/api/doctors/nobody-${date}/availability/date/${inDays(1)}`)),
			api("GET", `/api/doctors/${doctor.id}/availability?from=${inDays(300)}&to=${inDays(361)}`),
			api("POST", `/api/doctors/${doctor.id}/slots/check`, { body: { start: at(inDays(100), "09:00") } }),
			api("POST", "/api/doctors/nobody/slots/check", { body: { start: at(inDays(1), "09:00") } }),
			...dates.map((date) =>
				api("GET", `/api/appointments/${doctor.id}.${date}.0123456789abcdef0123456789abcdef`, {
					headers: bearer(patient.token),
				}),
			),
			api("POST", `/api/appointments/${doctor.id}.${inDays(2)}.0123456789abcdef0123456789abcdef/cancel`, {
				headers: ADMIN,
			}),
			...dates.map((date) =>
				api("GET", `/api/doctors/${doctor.id}/availability/date/${date}/live`, {
					headers: { upgrade: "websocket" },
				}),
			),
			api("POST", "/api/appointments", {
				headers: bearer(patient.token),
				body: { doctor_id: doctor.id, start: at(inDays(200), "09:00") },
			}),
		]);
		expect(calls.filter((c) => c.status >= 500)).toEqual([]);
		const day = calls[0];
		expect(day?.status).toBe(200);
		expect(day?.body).toMatchObject({ date: "1970-01-01", total_slots: 0, slots: [] });
		expect(calls[dates.length]?.body.error.code).toBe("DOCTOR_NOT_FOUND");
		const statuses = new Set(calls.map((c) => c.status));
		expect([...statuses].every((s) => [200, 404, 409].includes(s))).toBe(true);
		// The range read went to the doctor's existing object; no other object was created.
		expect(await objectCount()).toBe(before);
	});
});
