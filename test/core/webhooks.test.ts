// The webhook rules on their own: the signature a receiver checks, delivery ids, backoff, and matching.
import { describe, expect, it } from "vitest";
import {
	firstRetrySeconds,
	verifyWebhookSignature,
	WEBHOOK_MAX_ATTEMPTS,
	webhookDeliveryId,
	webhookRetryDelaySeconds,
	webhookSignature,
	webhookWants,
} from "../../src/core/webhooks";

describe("webhook signatures", () => {
	const body = JSON.stringify({ id: "whd_1", type: "appointment.booked" });

	it("is HMAC-SHA256 of '<t>.<body>' in hex, as WebCrypto computes it", async () => {
		const header = await webhookSignature("whsec_x", body, 1_800_000_000);
		const encode = (text: string) => new TextEncoder().encode(text);
		const key = await crypto.subtle.importKey(
			"raw",
			encode("whsec_x"),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign"],
		);
		const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encode(`1800000000.${body}`)));
		const expected = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
		expect(header).toBe(`t=1800000000,v1=${expected}`);
	});

	it.each([
		["the same secret, body and time", "whsec_x", body, 0, true],
		["another secret", "whsec_y", body, 0, false],
		["a changed body", "whsec_x", `${body} `, 0, false],
		["a replay after the tolerance", "whsec_x", body, 301, false],
		["a clock a little ahead", "whsec_x", body, -299, true],
	])("verifies: %s", async (_name, secret, checked, skew, valid) => {
		const header = await webhookSignature("whsec_x", body, 1_800_000_000);
		expect(await verifyWebhookSignature(secret, checked, header, 1_800_000_000 + skew)).toBe(valid);
	});

	it.each(["", "t=1,v1=zz", "v1=abc,t=1", "t=1800000000"])(
		"refuses a malformed header %j",
		async (header) => {
			expect(await verifyWebhookSignature("whsec_x", body, header, 1_800_000_000)).toBe(false);
		},
	);
});

describe("webhook deliveries", () => {
	it("derive the same id from the same webhook and event, another from anything else", async () => {
		const id = await webhookDeliveryId("wh_1", "dr", "2027-03-15", 4);
		expect(id).toMatch(/^whd_[0-9a-f]{32}$/);
		expect(await webhookDeliveryId("wh_1", "dr", "2027-03-15", 4)).toBe(id);
		const others = await Promise.all([
			webhookDeliveryId("wh_2", "dr", "2027-03-15", 4),
			webhookDeliveryId("wh_1", "dr", "2027-03-16", 4),
			webhookDeliveryId("wh_1", "dr", "2027-03-15", 5),
		]);
		expect(new Set([id, ...others]).size).toBe(4);
	});

	it("back off exponentially, capped at an hour", () => {
		const delays = Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, (_, i) => webhookRetryDelaySeconds(i + 1));
		expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128, 256]);
		expect(webhookRetryDelaySeconds(30)).toBe(3600);
		expect(webhookRetryDelaySeconds(3, 1)).toBe(4);
		expect(webhookRetryDelaySeconds(5, 0)).toBe(0);
	});

	it.each([
		["unset", undefined, 2],
		["empty", "", 2],
		["0: at once", "0", 0],
		["5", "5", 5],
		["a fraction (the queue takes whole seconds)", "0.5", 2],
		["negative", "-1", 2],
		["not a number", "soon", 2],
	])("take WEBHOOK_FIRST_RETRY_SECONDS %s → %i", (_name, value, seconds) => {
		expect(firstRetrySeconds(value)).toBe(seconds);
	});

	it.each([
		[{ doctorId: null, events: ["appointment.booked"] }, ["dr-a"], "appointment.booked", true],
		[{ doctorId: "dr-a", events: ["appointment.booked"] }, ["dr-a"], "appointment.booked", true],
		[{ doctorId: "dr-b", events: ["appointment.booked"] }, ["dr-a"], "appointment.booked", false],
		[{ doctorId: null, events: ["appointment.cancelled"] }, ["dr-a"], "appointment.booked", false],
		[
			{ doctorId: "dr-a", events: ["appointment.rescheduled"] },
			["dr-b", "dr-a"],
			"appointment.rescheduled",
			true,
		],
		[
			{ doctorId: "dr-a", events: ["appointment.booked"] },
			["dr-b", "dr-a"],
			"appointment.rescheduled",
			false,
		],
	] as const)("match a webhook %j to %j's %s: %s", (webhook, doctorIds, type, wanted) => {
		expect(webhookWants(webhook, doctorIds, type)).toBe(wanted);
	});
});
