// Webhooks and email against the real service: a local receiver checks every signature, goes down (500s,
// then closed connections) and comes back, and still gets every event at least once, deduplicated by id;
// the notification emails are read back from where wrangler's send_email stores them (its log says where).
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, at, createDoctor, inDays, registerPatients } from "./client";

const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };

interface Received {
	id: string;
	type: string;
	signed: boolean;
}

/** A webhook receiver on 127.0.0.1: "up" answers 204, "500" answers 500, "closed" drops the connection. */
function receiver() {
	const received: Received[] = [];
	/** Requests refused while down, by how. */
	const refused = { "500": 0, closed: 0 };
	let mode: "up" | "500" | "closed" = "up";
	let secret = "";
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			if (mode !== "up") refused[mode]++;
			if (mode === "closed") return req.socket.destroy();
			if (mode === "500") return res.writeHead(500).end();
			const body = Buffer.concat(chunks).toString("utf8");
			const parsed = JSON.parse(body) as { id: string; type: string };
			received.push({
				id: parsed.id,
				type: parsed.type,
				signed: verify(secret, body, String(req.headers["docslot-signature"])),
			});
			res.writeHead(204).end();
		});
	});
	return {
		received,
		refused,
		server,
		setMode: (m: typeof mode) => {
			mode = m;
		},
		setSecret: (s: string) => {
			secret = s;
		},
	};
}

/** The receiver's own check, with Node's HMAC: t within 5 minutes, v1 the hex HMAC of "<t>.<body>". */
function verify(secret: string, body: string, header: string): boolean {
	const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (match === null || Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
	const expected = createHmac("sha256", secret).update(`${match[1]}.${body}`).digest();
	return timingSafeEqual(expected, Buffer.from(match[2] ?? "", "hex"));
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

describe("webhooks and email against wrangler dev", () => {
	const hook = receiver();
	beforeAll(async () => {
		await new Promise<void>((resolve) => hook.server.listen(0, "127.0.0.1", resolve));
	});
	afterAll(async () => {
		await new Promise((resolve) => hook.server.close(resolve));
	});

	it("delivers every event, signed, through an outage; emails the patient with the .ics", async () => {
		const doctor = await createDoctor(ctx);
		const [patient] = await registerPatients(ctx, 1);
		if (patient === undefined) throw new Error("no patient");
		const { port } = hook.server.address() as AddressInfo;
		const created = await api(ctx.baseUrl, "POST", "/api/webhooks", {
			token: doctor.token,
			body: { url: `http://127.0.0.1:${port}/hook`, events: ["appointment.booked", "appointment.cancelled"] },
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
		await book("09:00");
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
		expect(hook.received.every((r) => r.signed)).toBe(true);
		const types = new Map(hook.received.map((r) => [r.id, r.type]));
		expect([...types.values()].sort()).toEqual([
			"appointment.booked",
			"appointment.booked",
			"appointment.booked",
			"appointment.cancelled",
		]);
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
