// Delivering notifications to accounts' inboxes (User objects): the ids, the doctor's name and accounts they
// need, and one call per recipient. Shared by the day's notifications consumer (patients) and the Doctor
// object (the doctor's accounts), so both derive the same ids the same way.

import type { DayEvent } from "../core/day-decider";
import { type Audience, type DoctorContext, isNotifiable, notificationsFor } from "../core/notifications";
import { hop } from "../lib/hops";
import { userObject } from "../user/stub";
import type { NewNotification } from "../user/user-store";

/** A notifiable event with where it happened: its day and its place in the day's event log. */
export interface DayNotice {
	doctorId: string;
	date: string;
	seq: number;
	event: DayEvent;
}

const DOCTOR_ACCOUNTS = `SELECT d.name AS name, u.id AS account_id FROM doctors d
	LEFT JOIN users u ON u.doctor_id = d.id AND u.role = 'doctor' AND u.deleted_at IS NULL
	WHERE d.id = ?`;

// Deliveries come in bursts for the same few doctors; a rename or a new doctor account shows within this.
const CONTEXT_TTL_MS = 60_000;
const CONTEXT_CACHE_MAX = 1_000;
const contexts = new Map<string, { context: DoctorContext; readAt: number }>();

/** The doctor's name and the accounts that sign in as the doctor (users.doctor_id), cached per isolate. */
export async function doctorContext(env: Env, doctorId: string, now = Date.now()): Promise<DoctorContext> {
	const cached = contexts.get(doctorId);
	if (cached !== undefined && now - cached.readAt < CONTEXT_TTL_MS) return cached.context;
	hop(env, "object→D1", "after", "inboxes.doctorContext");
	const { results } = await env.DB.prepare(DOCTOR_ACCOUNTS)
		.bind(doctorId)
		.all<{ name: string; account_id: string | null }>();
	const context = {
		name: results[0]?.name ?? null,
		accountIds: results.flatMap((row) => (row.account_id === null ? [] : [row.account_id])),
	};
	if (contexts.size >= CONTEXT_CACHE_MAX) contexts.clear();
	contexts.set(doctorId, { context, readAt: now });
	return context;
}

/** The notifications `notices` make for `audience`, with their ids, by recipient. */
export async function inboxDeliveries(
	notices: readonly DayNotice[],
	audience: Audience,
	doctor: DoctorContext,
): Promise<Map<string, NewNotification[]>> {
	const byRecipient = new Map<string, NewNotification[]>();
	for (const notice of notices) {
		for (const draft of notificationsFor(notice.event, doctor)) {
			if (draft.audience !== audience) continue;
			const { audience: _, recipient, subject, ...rest } = draft;
			const id = await notificationId(notice, recipient, subject);
			const list = byRecipient.get(recipient) ?? [];
			const calendar = emailCalendar(notice.event, draft.appointment_id, doctor);
			list.push({ id, ...rest, ...(calendar === undefined ? {} : { calendar }) });
			byRecipient.set(recipient, list);
		}
	}
	return byRecipient;
}

/**
 * The appointment that rides along for the email's calendar attachment (the inbox keeps only its id): the
 * event's own, or for a reschedule the new one with the old one it replaces. Another doctor's new appointment
 * says "your doctor": this consumer knows only its own doctor's name.
 */
function emailCalendar(
	event: DayEvent,
	appointmentId: string | null,
	doctor: DoctorContext,
): NewNotification["calendar"] {
	if (!("appointment" in event) || event.appointment.id !== appointmentId) return undefined;
	const doctorName = doctor.name ?? "your doctor";
	const own = { appointment: event.appointment, doctorName };
	if (event.type !== "appointment.status_changed" || event.to === undefined) return own;
	const to = event.to;
	return {
		appointment: to,
		doctorName: to.doctor_id === event.appointment.doctor_id ? doctorName : "your doctor",
		replaces: own,
	};
}

/** One call per recipient; every recipient is called even if one fails, and then this throws. */
export async function deliverToInboxes(
	env: Env,
	byRecipient: ReadonlyMap<string, NewNotification[]>,
	caller: string,
): Promise<void> {
	const calls = [...byRecipient].map(([recipient, notifications]) => {
		hop(env, "object→object", "after", caller);
		return userObject(env, recipient).deliver(notifications, recipient);
	});
	const failed = (await Promise.allSettled(calls)).find((r) => r.status === "rejected");
	if (failed !== undefined) throw failed.reason;
}

/**
 * The same (doctor-day, event, recipient, appointment) always gives the same id, so a redelivery adds
 * nothing twice (one event may name several appointments of one recipient): 32 hex digits of SHA-256.
 */
export async function notificationId(
	where: { doctorId: string; date: string; seq: number },
	recipient: string,
	subject: string,
): Promise<string> {
	const text = `${where.doctorId}\n${where.date}\n${where.seq}\n${recipient}\n${subject}`;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
	return [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The batch's events that notify `audience`, each with its day. */
export function dayNotices(
	batch: readonly { seq: number; event: DayEvent }[],
	audience: Audience,
): DayNotice[] {
	return batch.flatMap(({ seq, event }) =>
		isNotifiable(event, audience) ? [{ ...dayOf(event), seq, event }] : [],
	);
}

/** The doctor-day an event belongs to: every notifiable event names its appointments, which name it. */
function dayOf(event: DayEvent): { doctorId: string; date: string } {
	if ("entry" in event) return { doctorId: event.entry.doctor_id, date: event.entry.date };
	const appointment =
		"appointment" in event
			? event.appointment
			: event.type === "day.config_changed"
				? event.outside_schedule?.[0]
				: undefined;
	return { doctorId: appointment?.doctor_id ?? "", date: appointment?.date ?? "" };
}
