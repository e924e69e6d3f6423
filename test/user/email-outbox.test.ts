// The User object's email outbox: each new notification queues one email (never twice), the opt-out
// and a missing address queue none, the address is read once from D1, and sends retry with backoff
// until they are dead-lettered, with time and sender injected.
import { env, runInDurableObject } from "cloudflare:test";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import { EMAIL_MAX_ATTEMPTS, emailRetryAt } from "../../src/core/email";
import type { OutgoingEmail } from "../../src/user/email-outbox";
import { userObject } from "../../src/user/stub";
import type { User } from "../../src/user/user";
import type { NewNotification } from "../../src/user/user-store";
import { createPatient, unique } from "../helpers";

const appointment: Appointment = {
	id: "dr-a.2027-03-15.abc",
	doctor_id: "dr-a",
	patient_id: "p-1",
	date: "2027-03-15",
	time: "09:00",
	start: "2027-03-15T09:00:00.000Z",
	end: "2027-03-15T09:30:00.000Z",
	status: "confirmed",
	consultation_mode: "in_person",
	reason: null,
	created_at: "2027-03-01T10:00:00.000Z",
	cancelled_at: null,
};

function note(id: string, withCalendar = false): NewNotification {
	return {
		id,
		type: "booked",
		appointment_id: appointment.id,
		title: "Appointment booked",
		body: `With Dr. A <b>${id}</b>`,
		...(withCalendar ? { calendar: { appointment, doctorName: "Dr. A" } } : {}),
	};
}

/** A fake sender that records what it sent, failing while `failing` says so. */
function recorder(failing = () => false) {
	const sent: OutgoingEmail[] = [];
	const send = async (email: OutgoingEmail) => {
		if (failing()) throw new Error("smtp down");
		sent.push(email);
	};
	return { sent, send };
}

function sendDue(stub: DurableObjectStub<User>, now: number, send: (e: OutgoingEmail) => Promise<void>) {
	return runInDurableObject(stub, (user: User) => user.sendDueEmails(now, send));
}

describe("the User object's email outbox", () => {
	it("queues one email per new notification, with an .ics for a booking, and sends it once", async () => {
		const stub = userObject(env, unique("u"));
		await stub.setEmailProfile({ email: "pat@docslot.test", emailNotifications: true });
		await stub.deliver([note("n1", true), note("n2")]);
		await stub.deliver([note("n1", true), note("n2")]);
		expect((await stub.outbox()).map((r) => [r.id, r.recipient, r.attempts])).toEqual([
			["n1", "pat@docslot.test", 0],
			["n2", "pat@docslot.test", 0],
		]);
		const { sent, send } = recorder();
		expect(await sendDue(stub, Date.now(), send)).toEqual({ sent: 2, failed: 0 });
		expect(sent.map((e) => e.subject)).toEqual(["Appointment booked", "Appointment booked"]);
		const booked = sent.find((e) => e.id === "n1");
		expect(booked?.html).toContain("&lt;b&gt;n1&lt;/b&gt;");
		const event = new ICAL.Component(ICAL.parse(booked?.ics ?? "")).getFirstSubcomponent("vevent");
		expect(event?.getFirstPropertyValue("uid")).toBe(`${appointment.id}@docslot`);
		expect(sent.find((e) => e.id === "n2")?.ics).toBeNull();
		expect(await stub.outbox()).toEqual([]);
		// Delivered again after sending: the inbox already holds it, so no second email.
		await stub.deliver([note("n1", true)]);
		expect(await stub.outbox()).toEqual([]);
	});

	it("queues nothing for an account that opted out or has no address", async () => {
		const optedOut = userObject(env, unique("u"));
		await optedOut.setEmailProfile({ email: "out@docslot.test", emailNotifications: false });
		expect(await optedOut.deliver([note("n1")])).toEqual({ added: 1, unread: 1 });
		expect(await optedOut.outbox()).toEqual([]);
		const unknown = userObject(env, unique("u"));
		await unknown.deliver([note("n1")], "no-such-account");
		expect(await unknown.outbox()).toEqual([]);
	});

	it("reads the address once from D1 when nothing was pushed", async () => {
		const patient = await createPatient();
		const stub = userObject(env, patient.id);
		await stub.deliver([note("n1")], patient.id);
		expect((await stub.outbox()).map((r) => r.recipient)).toEqual([`${patient.id}@docslot.test`]);
		// Later changes arrive by push, not by reading D1 again.
		await env.DB.prepare("UPDATE users SET email_notifications = 0 WHERE id = ?").bind(patient.id).run();
		await stub.deliver([note("n2")], patient.id);
		expect(await stub.outbox()).toHaveLength(2);
		await stub.setEmailProfile({ email: `${patient.id}@docslot.test`, emailNotifications: false });
		await stub.deliver([note("n3")], patient.id);
		expect(await stub.outbox()).toHaveLength(2);
	});

	it("retries a failing send with growing delays, then dead-letters it", async () => {
		const stub = userObject(env, unique("u"));
		await stub.setEmailProfile({ email: "pat@docslot.test", emailNotifications: true });
		await stub.deliver([note("n1")]);
		const { sent, send } = recorder(() => true);
		let now = Date.now();
		const delays: number[] = [];
		for (let attempt = 1; attempt <= EMAIL_MAX_ATTEMPTS; attempt++) {
			// Not due yet: nothing is tried.
			if (attempt > 1) expect(await sendDue(stub, now - 1, send)).toEqual({ sent: 0, failed: 0 });
			expect(await sendDue(stub, now, send)).toEqual({ sent: 0, failed: 1 });
			const [row] = await stub.outbox();
			expect(row?.attempts).toBe(attempt);
			if (attempt < EMAIL_MAX_ATTEMPTS) {
				expect(row?.dead).toBe(false);
				expect(row?.next_attempt_at).toBe(emailRetryAt(attempt, now));
				delays.push((row?.next_attempt_at ?? 0) - now);
				now = row?.next_attempt_at ?? now;
			} else expect(row?.dead).toBe(true);
		}
		expect(delays).toEqual([...delays].sort((a, b) => a - b));
		expect(new Set(delays).size).toBe(delays.length);
		// Dead: never tried again.
		expect(await sendDue(stub, now + 86_400_000, send)).toEqual({ sent: 0, failed: 0 });
		expect(sent).toEqual([]);
	});

	it("sends after a failure once the sender is back, and a deleted account gets nothing more", async () => {
		const stub = userObject(env, unique("u"));
		await stub.setEmailProfile({ email: "pat@docslot.test", emailNotifications: true });
		await stub.deliver([note("n1")]);
		let down = true;
		const { sent, send } = recorder(() => down);
		const now = Date.now();
		await sendDue(stub, now, send);
		down = false;
		const retryAt = (await stub.outbox())[0]?.next_attempt_at ?? 0;
		expect(await sendDue(stub, retryAt, send)).toEqual({ sent: 1, failed: 0 });
		expect(sent.map((e) => [e.id, e.attempts])).toEqual([["n1", 1]]);
		await stub.deleteInbox();
		await stub.deliver([note("n2")]);
		expect(await stub.outbox()).toEqual([]);
	});
});
