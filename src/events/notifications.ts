// Notifications for patients and doctors from a doctor-day's events: one call per recipient per batch to
// the recipient's User object. Each notification's id is derived from (doctor-day, event seq, recipient), so
// a batch delivered again (after a crash, a timeout or one recipient failing) adds nothing twice.

import type { DayEvent } from "../core/day-decider";
import { type DoctorContext, isNotifiable, notificationsFor } from "../core/notifications";
import { hop } from "../lib/hops";
import { userObject } from "../user/stub";
import type { NewNotification } from "../user/user-store";
import type { DayEventConsumer } from "./consumers";

const DOCTOR_ACCOUNTS = `SELECT d.name AS name, u.id AS account_id FROM doctors d
	LEFT JOIN users u ON u.doctor_id = d.id AND u.role = 'doctor' AND u.deleted_at IS NULL
	WHERE d.id = ?`;

export const notificationsConsumer: DayEventConsumer = {
	name: "notifications",
	async deliver(env, batch) {
		const events = batch.filter((item) => isNotifiable(item.event));
		const first = events[0];
		if (first === undefined) return;
		// A day object's events are all of its doctor.
		const doctor = await doctorContext(env, dayOf(first.event).doctorId);
		const byRecipient = new Map<string, NewNotification[]>();
		for (const { seq, event } of events) {
			for (const draft of notificationsFor(event, doctor)) {
				const { recipient, ...rest } = draft;
				const id = await notificationId(dayOf(event), seq, recipient);
				const list = byRecipient.get(recipient) ?? [];
				list.push({ id, ...rest });
				byRecipient.set(recipient, list);
			}
		}
		// Every recipient is called even if one fails; a failure fails the batch, which is retried whole.
		const calls = [...byRecipient].map(([recipient, notifications]) => {
			hop(env, "object→object", "after", "notifications.deliver");
			return userObject(env, recipient).deliver(notifications);
		});
		const failed = (await Promise.allSettled(calls)).find((r) => r.status === "rejected");
		if (failed !== undefined) throw failed.reason;
	},
};

/** The doctor-day an event belongs to: every notifiable event names its appointments, which name it. */
function dayOf(event: DayEvent): { doctorId: string; date: string } {
	const appointment =
		"appointment" in event
			? event.appointment
			: event.type === "day.config_changed"
				? event.outside_schedule?.[0]
				: undefined;
	return { doctorId: appointment?.doctor_id ?? "", date: appointment?.date ?? "" };
}

/** The doctor's name and the accounts that sign in as the doctor (users.doctor_id). */
async function doctorContext(env: Env, doctorId: string): Promise<DoctorContext> {
	hop(env, "object→D1", "after", "notifications.doctorContext");
	const { results } = await env.DB.prepare(DOCTOR_ACCOUNTS)
		.bind(doctorId)
		.all<{ name: string; account_id: string | null }>();
	return {
		name: results[0]?.name ?? null,
		accountIds: results.flatMap((row) => (row.account_id === null ? [] : [row.account_id])),
	};
}

/** The same (doctor-day, event, recipient) always gives the same id: 32 hex digits of SHA-256. */
export async function notificationId(
	where: { doctorId: string; date: string },
	seq: number,
	recipient: string,
): Promise<string> {
	const text = `${where.doctorId}\n${where.date}\n${seq}\n${recipient}`;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
	return [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
