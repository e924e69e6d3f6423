// /api/me: reading the account, and deleting it: future bookings cancelled and freed, past ones kept,
// personal data gone, every token refused, the email free again. And the token version behind that.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, api, at, bearer, createDoctor, eventually, inDays, projected, unique } from "../helpers";

afterEach(() => {
	vi.useRealTimers();
});

async function register(email = `${unique("me")}@docslot.test`) {
	const password = "a-long-enough-password";
	const call = await api("POST", "/api/auth/register", { body: { email, password, name: "Ada Patient" } });
	expect(call.status).toBe(201);
	return { email, password, id: call.body.user.id as string, token: call.body.token as string };
}

describe("GET /api/me", () => {
	it("answers the signed-in account: a patient, a doctor with doctor_id, the admin token", async () => {
		const patient = await register();
		const doctor = await createDoctor();
		const own = await api("GET", "/api/me", { headers: bearer(patient.token) });
		expect(own.body).toEqual({
			user: {
				id: patient.id,
				email: patient.email,
				name: "Ada Patient",
				role: "patient",
				email_notifications: true,
			},
		});
		const doctors = await api("GET", "/api/me", { headers: bearer(doctor.token) });
		expect(doctors.body.user).toMatchObject({ email: doctor.email, role: "doctor", doctor_id: doctor.id });
		const admin = await api("GET", "/api/me", { headers: ADMIN });
		expect(admin.body).toEqual({ user: { id: "admin", email: null, name: "Administrator", role: "admin" } });
		expect((await api("GET", "/api/me")).status).toBe(401);
	});
});

describe("DELETE /api/me", () => {
	it("cancels future bookings and frees their places, keeps past ones, and revokes every token at once", async () => {
		const doctor = await createDoctor();
		const patient = await register();
		const login = await api("POST", "/api/auth/login", {
			body: { email: patient.email, password: patient.password },
		});
		const tokens = [patient.token, login.body.token as string];
		const starts = [at(inDays(1), "09:00"), at(inDays(5), "10:00"), at(inDays(9), "11:00")];
		const ids: string[] = [];
		for (const start of starts) {
			const booked = await api("POST", "/api/appointments", {
				headers: bearer(patient.token),
				body: { doctor_id: doctor.id, start },
			});
			expect(booked.status).toBe(201);
			ids.push(booked.body.appointment.id);
		}
		const listed = () => api("GET", "/api/appointments", { headers: bearer(patient.token) });
		await eventually(async () => (await listed()).body.appointments.length === 3);

		// Two days on, the first booking is in the past: it stays, as the doctor's record.
		vi.useFakeTimers({ toFake: ["Date"] });
		vi.setSystemTime(Date.now() + 2 * 24 * 3600_000);
		const deleted = await api("DELETE", "/api/me", { headers: bearer(patient.token) });
		vi.useRealTimers();
		expect(deleted.status).toBe(200);
		const cancelled = deleted.body.cancelled_appointments as { id: string; status: string }[];
		expect(cancelled.map((a) => [a.id, a.status]).sort()).toEqual([
			[ids[1], "cancelled"],
			[ids[2], "cancelled"],
		]);

		for (const token of tokens) {
			const calls = [
				await api("GET", "/api/appointments", { headers: bearer(token) }),
				await api("GET", "/api/me", { headers: bearer(token) }),
				await api("POST", "/api/appointments", {
					headers: bearer(token),
					body: { doctor_id: doctor.id, start: at(inDays(6), "09:00") },
				}),
			];
			expect(calls.map((c) => [c.status, c.body.error?.code])).toEqual(
				calls.map(() => [401, "UNAUTHORIZED"]),
			);
		}
		for (const [i, time] of [
			[1, "10:00"],
			[2, "11:00"],
		] as const) {
			const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${inDays(i === 1 ? 5 : 9)}`);
			const slot = day.body.slots.find((s: { time: string }) => s.time === time);
			expect(slot).toMatchObject({ status: "available", booked: 0, remaining: 1 });
		}
		const past = await api("GET", `/api/appointments/${ids[0]}`, { headers: ADMIN });
		expect(past.body.appointment.status).toBe("confirmed");
	});

	it("removes the name, email and password, frees the email, and leaves no patient to book for", async () => {
		const patient = await register();
		const doctor = await createDoctor();
		expect((await api("DELETE", "/api/me", { headers: bearer(patient.token) })).status).toBe(200);
		const row = await env.DB.prepare(
			"SELECT email, name, password_hash, token_version, deleted_at FROM users WHERE id = ?",
		)
			.bind(patient.id)
			.first();
		expect(row).toMatchObject({
			email: `deleted:${patient.id}`,
			name: "",
			password_hash: "",
			token_version: 1,
		});
		expect(row?.deleted_at).toEqual(expect.any(String));
		const login = await api("POST", "/api/auth/login", {
			body: { email: patient.email, password: patient.password },
		});
		expect(login.status).toBe(401);
		const forThem = await api("POST", "/api/appointments", {
			headers: ADMIN,
			body: { doctor_id: doctor.id, start: at(inDays(3), "09:00"), patient_id: patient.id },
		});
		expect([forThem.status, forThem.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);

		const again = await register(patient.email);
		expect(again.id).not.toBe(patient.id);
		const me = await api("GET", "/api/me", { headers: bearer(again.token) });
		expect(me.body.user).toMatchObject({ id: again.id, email: patient.email });
		expect(
			(await api("GET", "/api/appointments", { headers: bearer(again.token) })).body.appointments,
		).toEqual([]);
	});

	it("cancels the dependents' future appointments too (by the account holder), and removes the dependents", async () => {
		const doctor = await createDoctor({ capacity: 4 });
		const patient = await register();
		const added = await api("POST", "/api/me/dependents", {
			headers: bearer(patient.token),
			body: { name: "Bo" },
		});
		const bo = added.body.dependent.id as string;
		const date = inDays(4);
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "09:00"), patient_ids: [patient.id, bo] },
		});
		expect(booked.status).toBe(201);
		await eventually(() => projected(bo, 1));
		const deleted = await api("DELETE", "/api/me", { headers: bearer(patient.token) });
		expect(deleted.status).toBe(200);
		const cancelled = deleted.body.cancelled_appointments as {
			patient_id: string;
			history: { by: string }[];
		}[];
		expect(cancelled.map((a) => a.patient_id).sort()).toEqual([patient.id, bo].sort());
		expect(cancelled.every((a) => a.history.at(-1)?.by === patient.id)).toBe(true);
		const slot = (await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`)).body.slots[0];
		expect(slot).toMatchObject({ time: "09:00", booked: 0 });
		const row = await env.DB.prepare("SELECT name, removed_at FROM dependents WHERE id = ?").bind(bo).first();
		expect(row).toMatchObject({ name: "", removed_at: expect.any(Number) });
	});

	it("refuses doctors (an admin removes them) and the admin token, which is no account", async () => {
		const doctor = await createDoctor();
		const asDoctor = await api("DELETE", "/api/me", { headers: bearer(doctor.token) });
		expect(asDoctor.body.error).toMatchObject({
			code: "FORBIDDEN",
			message: expect.stringMatching(/by an admin/),
		});
		const asAdmin = await api("DELETE", "/api/me", { headers: ADMIN });
		expect([asAdmin.status, asAdmin.body.error.code]).toEqual([403, "FORBIDDEN"]);
		expect((await api("GET", "/api/me", { headers: bearer(doctor.token) })).status).toBe(200);
		expect((await api("DELETE", "/api/me")).status).toBe(401);
	});
});
