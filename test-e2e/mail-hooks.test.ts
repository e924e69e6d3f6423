// Webhooks and email against the real service: a local receiver checks every signature, goes down (500s,
// then closed connections) and comes back, and still gets every event at least once, deduplicated by id; a
// reschedule arrives as one appointment.rescheduled; the notification emails are read back from where
// wrangler's send_email stores them (its log says where), the reschedule's .ics moving the event.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, at, createDoctor, inDays, registerPatients } from "./client";
import { until, webhookReceiver } from "./webhook-receiver";

const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };

describe("webhooks and email against wrangler dev", () => {
	const hook = webhookReceiver();
	beforeAll(hook.listen);
	afterAll(hook.close);

	it("delivers every event, signed, through an outage, a reschedule as one event; emails the .ics files", async () => {
		const doctor = await createDoctor(ctx);
		const [patient] = await registerPatients(ctx, 1);
		if (patient === undefined) throw new Error("no patient");
		const created = await api(ctx.baseUrl, "POST", "/api/webhooks", {
			token: doctor.token,
			body: {
				url: hook.url(),
				events: [
					"appointment.booked",
					"appointment.cancelled",
					"appointment.status_changed",
					"appointment.rescheduled",
				],
			},
		});
		expect(created.status).toBe(201);
		hook.setSecret(created.body.webhook.secret);
		// Locally one isolate serves the API and the day objects, and creating a webhook there refreshes the
		// consumer's cached definitions at once.

		const book = async (time: string) => {
			const call = await api(ctx.baseUrl, "POST", "/api/appointments", {
				token: patient.token,
				body: { doctor_id: doctor.id, start: at(inDays(2), time) },
			});
			expect(call.status).toBe(201);
			return call.body.appointment.id as string;
		};
		const first = await book("09:00");
		await until(() => hook.received.length >= 1, 10_000, "the first delivery");

		// Down: two bookings' first attempts get 500s, then a cancellation's meets a dropped connection.
		hook.setMode("500");
		const second = await book("09:30");
		await book("10:00");
		await until(() => hook.refused["500"] >= 2, 15_000, "two refused deliveries");
		hook.setMode("closed");
		const cancelled = await api(ctx.baseUrl, "POST", `/api/appointments/${second}/cancel`, {
			token: patient.token,
		});
		expect(cancelled.status).toBe(200);
		await until(() => hook.refused.closed >= 1, 15_000, "a dropped delivery");
		hook.setMode("up");

		await until(() => new Set(hook.received.map((r) => r.id)).size >= 4, 20_000, "all four events");

		// Back up: a reschedule to another day is one event, the new appointment naming the old one.
		const moved = await api(ctx.baseUrl, "POST", `/api/appointments/${first}/reschedule`, {
			token: patient.token,
			headers: { "idempotency-key": crypto.randomUUID() },
			body: { start: at(inDays(3), "11:00") },
		});
		expect(moved.status).toBe(200);
		await until(() => new Set(hook.received.map((r) => r.id)).size >= 5, 10_000, "the reschedule");
		expect(hook.received.every((r) => r.signed)).toBe(true);
		const types = new Map(hook.received.map((r) => [r.id, r.type]));
		expect([...types.values()].sort()).toEqual([
			"appointment.booked",
			"appointment.booked",
			"appointment.booked",
			"appointment.cancelled",
			"appointment.rescheduled",
		]);
		expect(hook.received.find((r) => r.type === "appointment.rescheduled")?.previous).toBe(first);
		const log = await api(ctx.baseUrl, "GET", `/api/webhooks/${created.body.webhook.id}/deliveries`, {
			token: doctor.token,
		});
		expect(log.body.deliveries.map((d: { id: string }) => d.id).sort()).toEqual([...types.keys()].sort());
		expect(log.body.deliveries.some((d: { attempts: number }) => d.attempts > 1)).toBe(true);

		// Email: wrangler's send_email prints each message and the files it stored.
		const booked = await emailsTo(patient.email, "Appointment booked", 3);
		const ics = booked[0]?.attachment;
		if (ics === undefined) throw new Error("no .ics attachment");
		const event = new ICAL.Component(ICAL.parse(readFileSync(ics, "utf8"))).getFirstSubcomponent("vevent");
		expect(event?.getFirstPropertyValue("summary")).toBe("Appointment with Dr. E2E");
		expect(readFileSync(booked[0]?.text ?? "", "utf8")).toContain("With Dr. E2E");
		// The reschedule's .ics: the new appointment's event, and the old one's cancelled under its own UID.
		const [rescheduled] = await emailsTo(patient.email, "Appointment rescheduled", 1);
		const calendar = new ICAL.Component(ICAL.parse(readFileSync(rescheduled?.attachment ?? "", "utf8")));
		expect(
			calendar
				.getAllSubcomponents("vevent")
				.map((e) => [e.getFirstPropertyValue("uid"), e.getFirstPropertyValue("status")]),
		).toEqual([
			[`${moved.body.appointment.id}@docslot`, "CONFIRMED"],
			[`${first}@docslot`, "CANCELLED"],
		]);
	}, 40_000);
});

/** The emails wrangler's log shows sent to `to` with `subject`, waiting until there are `count` of them. */
async function emailsTo(to: string, subject: string, count: number) {
	let found: { text?: string; attachment?: string }[] = [];
	await until(
		() => {
			const blocks = readFileSync(inject("logFile"), "utf8").split(
				"send_email binding called with MessageBuilder:",
			);
			found = blocks
				.filter((b) => b.includes(`To: ${to}`) && b.includes(`Subject: ${subject}`))
				.map((b) => ({
					text: /Text: (\S+)/.exec(b)?.[1],
					attachment: /appointment\.ics -> (\S+)/.exec(b)?.[1],
				}));
			return found.length >= count;
		},
		10_000,
		`${count} emails to ${to}`,
	);
	return found;
}
