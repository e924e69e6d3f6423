// Webhooks in the pure core: which day events are webhook events, the signature (Docslot-Signature:
// t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">), delivery ids stable across redeliveries, and backoff.

import { hex, hmacHex, hmacVerifyHex } from "../lib/hmac";
import { type Appointment, parseAppointmentId } from "./appointment";
import type { DayEvent } from "./day-decider";

export const WEBHOOK_EVENTS = [
	"appointment.booked",
	"appointment.cancelled",
	"appointment.status_changed",
	"appointment.rescheduled",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Attempts in all (the queue's max_retries + 1 in wrangler.toml): then the dead-letter queue. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** The first retry's delay in seconds, doubled for each later one (WEBHOOK_FIRST_RETRY_SECONDS overrides it). */
export const WEBHOOK_FIRST_RETRY_SECONDS = 2;
const MAX_RETRY_SECONDS = 3600;

/** The body every delivery POSTs. */
export interface WebhookPayload {
	id: string;
	type: WebhookEvent;
	created_at: string;
	/** `previous`: a reschedule's old appointment id (`appointment` is the new one). */
	data: { appointment: Appointment; previous?: string };
}

/** A day event as webhooks see it: its type, the appointment, and the doctors whose webhooks hear of it. */
export interface WebhookEventOf {
	type: WebhookEvent;
	appointment: Appointment;
	previous?: string;
	doctorIds: string[];
	createdAt: string;
}

/**
 * The day event as a webhook event, with when it happened (read from the appointment, so every redelivery
 * says the same), or null for events webhooks do not carry. A reschedule is one `appointment.rescheduled`,
 * sent from the new appointment's booking (written whenever the new place is confirmed, so it is never lost),
 * to the webhooks of the old and the new doctor; the old appointment's move to `rescheduled` sends nothing.
 */
export function webhookEventOf(event: DayEvent): WebhookEventOf | null {
	switch (event.type) {
		case "appointment.booked":
		case "appointment.cancelled":
		case "appointment.status_changed": {
			const a = event.appointment;
			if (a.status === "rescheduled") return null;
			const lastChange = a.history?.at(-1)?.at;
			const createdAt = a.cancelled_at ?? lastChange ?? a.created_at;
			const from = event.type === "appointment.booked" ? a.rescheduled_from : undefined;
			if (from === undefined)
				return { type: event.type, appointment: a, doctorIds: [a.doctor_id], createdAt };
			const fromDoctor = parseAppointmentId(from)?.doctorId ?? a.doctor_id;
			return {
				type: "appointment.rescheduled",
				appointment: a,
				previous: from,
				doctorIds: fromDoctor === a.doctor_id ? [a.doctor_id] : [a.doctor_id, fromDoctor],
				createdAt,
			};
		}
		default:
			return null;
	}
}

/** Whether a webhook (its owner doctor, null: every doctor; its event types) takes an event of these doctors. */
export function webhookWants(
	webhook: { doctorId: string | null; events: readonly string[] },
	doctorIds: readonly string[],
	type: WebhookEvent,
): boolean {
	return (webhook.doctorId === null || doctorIds.includes(webhook.doctorId)) && webhook.events.includes(type);
}

/** Seconds before the next try after `attempts` failed ones: 2, 4, 8, … (from `firstSeconds`), capped at an hour. */
export function webhookRetryDelaySeconds(
	attempts: number,
	firstSeconds = WEBHOOK_FIRST_RETRY_SECONDS,
): number {
	return Math.min(firstSeconds * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_SECONDS);
}

/** WEBHOOK_FIRST_RETRY_SECONDS as a whole number of seconds (the queue takes no fractions), else the default. */
export function firstRetrySeconds(value: string | undefined): number {
	const seconds = Number(value);
	return value !== undefined && value !== "" && Number.isInteger(seconds) && seconds >= 0
		? seconds
		: WEBHOOK_FIRST_RETRY_SECONDS;
}

/**
 * The same webhook and day event always give the same id (the day's event log numbers its events), so a
 * receiver dedupes redeliveries by it: "whd_" and 32 hex digits of SHA-256.
 */
export async function webhookDeliveryId(webhookId: string, doctorId: string, date: string, seq: number) {
	const text = `${webhookId}\n${doctorId}\n${date}\n${seq}`;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
	return `whd_${hex(digest.slice(0, 16))}`;
}

/** The Docslot-Signature header for `body` sent at `unixSeconds`. */
export async function webhookSignature(secret: string, body: string, unixSeconds: number): Promise<string> {
	return `t=${unixSeconds},v1=${await hmacHex(secret, `${unixSeconds}.${body}`)}`;
}

/** A receiver's check: the header is well formed, its v1 matches, and its t is within `toleranceSeconds`. */
export async function verifyWebhookSignature(
	secret: string,
	body: string,
	header: string,
	nowSeconds: number,
	toleranceSeconds = 300,
): Promise<boolean> {
	const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (match === null) return false;
	const t = Number(match[1]);
	if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
	return hmacVerifyHex(secret, `${t}.${body}`, match[2] ?? "");
}
