// Email over HTTP: a booking queues the patient's email with its .ics, PATCH /api/me's opt-out stops email
// (not the inbox), and password reset: 202 for any email, a single-use link that expires, old tokens revoked.
import { env, runInDurableObject } from "cloudflare:test";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { isResetTokenValid, RESET_VALID_MINUTES, resetToken } from "../../src/api/reset-tokens";
import { userObject } from "../../src/user/stub";
import { ADMIN, api, at, bearer, createDoctor, eventually, inDays, unique } from "../helpers";
import { parseCalendar } from "../parse-ics";

const PASSWORD = "a-long-enough-password";

async function register() {
	const email = `${unique("mail")}@docslot.test`;
	const call = await api("POST", "/api/auth/register", { body: { email, password: PASSWORD, name: "Ada" } });
	expect(call.status).toBe(201);
	return { email, id: call.body.user.id as string, token: call.body.token as string };
}

const outbox = (userId: string) => userObject(env, userId).outbox();

async function book(doctorId: string, token: string, time: string) {
	const call = await api("POST", "/api/appointments", {
		headers: bearer(token),
		body: { doctor_id: doctorId, start: at(inDays(3), time) },
	});
	expect(call.status).toBe(201);
}

describe("notification emails", () => {
	it("a booking emails the patient, and PATCH /api/me's opt-out stops email but not the inbox", async () => {
		const [doctor, patient] = [await createDoctor(), await register()];
		await book(doctor.id, patient.token, "09:00");
		await eventually(async () => (await outbox(patient.id)).length === 1);
		const [email] = await outbox(patient.id);
		expect(email).toMatchObject({ recipient: patient.email, subject: "Appointment booked", attempts: 0 });

		const patched = await api("PATCH", "/api/me", {
			headers: bearer(patient.token),
			body: { email_notifications: false, name: "Ada L." },
		});
		expect(patched.status).toBe(200);
		expect(patched.body.user).toEqual({
			id: patient.id,
			email: patient.email,
			name: "Ada L.",
			role: "patient",
			email_notifications: false,
		});
		expect(
			(await api("GET", "/api/me", { headers: bearer(patient.token) })).body.user.email_notifications,
		).toBe(false);
		await book(doctor.id, patient.token, "10:00");
		await eventually(
			async () => (await userObject(env, patient.id).list(50, null)).notifications.length === 2,
		);
		expect(await outbox(patient.id)).toHaveLength(1);
	});

	it("the queued email's .ics parses and names the appointment", async () => {
		const [doctor, patient] = [await createDoctor(), await register()];
		await book(doctor.id, patient.token, "11:00");
		await eventually(async () => (await outbox(patient.id)).length === 1);
		const sent: string[] = [];
		await runInDurableObject(userObject(env, patient.id), (user) =>
			user.sendDueEmails(Date.now(), async (e) => {
				sent.push(e.ics ?? "");
			}),
		);
		const event = new ICAL.Component(ICAL.parse(sent[0] ?? "")).getFirstSubcomponent("vevent");
		expect(event?.getFirstPropertyValue("summary")).toBe("Appointment with Dr. Test");
		expect(String(event?.getFirstPropertyValue("dtstart"))).toBe(at(inDays(3), "11:00").replace(".000", ""));
	});

	it("a reschedule emails the patient once, with an .ics of the new event and the old one cancelled", async () => {
		const [doctor, patient] = [await createDoctor(), await register()];
		await book(doctor.id, patient.token, "09:00");
		await eventually(async () => (await outbox(patient.id)).length === 1);
		const [old] = (await userObject(env, patient.id).list(50, null)).notifications;
		const moved = await api("POST", `/api/appointments/${old?.appointment_id}/reschedule`, {
			headers: { ...bearer(patient.token), "idempotency-key": crypto.randomUUID() },
			body: { start: at(inDays(4), "10:00") },
		});
		expect(moved.status).toBe(200);
		await eventually(async () => (await outbox(patient.id)).length === 2);
		const sent: { subject: string; text: string; ics: string | null }[] = [];
		await runInDurableObject(userObject(env, patient.id), (user) =>
			user.sendDueEmails(Date.now(), async (e) => {
				sent.push(e);
			}),
		);
		const email = sent.find((e) => e.subject === "Appointment rescheduled");
		expect(email?.text).toContain("You rescheduled your appointment from ");
		const events = parseCalendar(email?.ics ?? "").events;
		expect(events.map((e) => [e.uid, e.status, e.start])).toEqual([
			[`${moved.body.appointment.id}@docslot`, "CONFIRMED", Date.parse(at(inDays(4), "10:00"))],
			[`${old?.appointment_id}@docslot`, "CANCELLED", Date.parse(at(inDays(3), "09:00"))],
		]);
		expect(events[1]?.sequence).toBeGreaterThan(events[0]?.sequence ?? 0);
		expect(sent.map((e) => e.subject).sort()).toEqual(["Appointment booked", "Appointment rescheduled"]);
	});

	it("PATCH /api/me refuses bad input and the admin token", async () => {
		const patient = await register();
		for (const body of [{ name: "" }, { email_notifications: "no" }, { email: "x@y.z" }]) {
			const call = await api("PATCH", "/api/me", { headers: bearer(patient.token), body });
			expect([call.status, call.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		}
		expect((await api("PATCH", "/api/me", { headers: ADMIN, body: { name: "x" } })).status).toBe(403);
		expect((await api("PATCH", "/api/me", { body: { name: "x" } })).status).toBe(401);
	});
});

describe("password reset", () => {
	async function resetLink(userId: string): Promise<string> {
		await eventually(async () => (await outbox(userId)).some((e) => e.id.startsWith("reset:")));
		const email = (await outbox(userId)).find((e) => e.id.startsWith("reset:"));
		const token = /token=([^\s]+)/.exec(email?.text ?? "")?.[1];
		if (token === undefined) throw new Error("no link in the reset email");
		return decodeURIComponent(token);
	}

	it("answers 202 for every email, and emails a link only to an account", async () => {
		const patient = await register();
		const unknown = await api("POST", "/api/auth/password-reset", { body: { email: "nobody@docslot.test" } });
		const known = await api("POST", "/api/auth/password-reset", { body: { email: patient.email } });
		expect([unknown.status, known.status]).toEqual([202, 202]);
		expect(unknown.body).toEqual(known.body);
		expect((await resetLink(patient.id)).startsWith(`${patient.id}.`)).toBe(true);
		const bad = await api("POST", "/api/auth/password-reset", { body: { email: "not-an-email" } });
		expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
	});

	it("sets the password once, revokes earlier tokens, and refuses the link again", async () => {
		const patient = await register();
		await api("POST", "/api/auth/password-reset", { body: { email: patient.email } });
		const token = await resetLink(patient.id);
		const weak = await api("POST", "/api/auth/password-reset/confirm", {
			body: { token, password: "short" },
		});
		expect([weak.status, weak.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
		const confirmed = await api("POST", "/api/auth/password-reset/confirm", {
			body: { token, password: "a-brand-new-password" },
		});
		expect(confirmed.status).toBe(200);
		expect(confirmed.body.user).toMatchObject({ id: patient.id, email: patient.email });
		const again = await api("POST", "/api/auth/password-reset/confirm", {
			body: { token, password: "yet-another-password" },
		});
		expect([again.status, again.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
		expect((await api("GET", "/api/me", { headers: bearer(patient.token) })).status).toBe(401);
		expect((await api("GET", "/api/me", { headers: bearer(confirmed.body.token) })).status).toBe(200);
		const login = (password: string) =>
			api("POST", "/api/auth/login", { body: { email: patient.email, password } });
		expect((await login(PASSWORD)).status).toBe(401);
		expect((await login("a-brand-new-password")).status).toBe(200);
	});

	it("refuses forged, tampered and expired tokens", async () => {
		const patient = await register();
		const forged = await resetToken("not-the-secret", patient.id, "x", Date.now());
		const tampered = `${patient.id}.99999999999.${"0".repeat(64)}`;
		for (const token of [forged, tampered, "garbage"]) {
			const call = await api("POST", "/api/auth/password-reset/confirm", {
				body: { token, password: "a-brand-new-password" },
			});
			expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
		}
		const account = { id: "u1", passwordHash: "hash-1" };
		const now = Date.UTC(2027, 0, 1);
		const token = await resetToken("s", account.id, account.passwordHash, now);
		const validAt = (t: number, a = account) => isResetTokenValid("s", token, a, t);
		expect(await validAt(now + RESET_VALID_MINUTES * 60_000 - 1000)).toBe(true);
		expect(await validAt(now + RESET_VALID_MINUTES * 60_000)).toBe(false);
		expect(await validAt(now, { ...account, passwordHash: "hash-2" })).toBe(false);
		expect(await validAt(now, { ...account, id: "u2" })).toBe(false);
	});
});
