// Reminder timers of a doctor-day's appointments, on the day's one alarm: set in the booking's transaction,
// dropped in the cancellation's, and named after the appointment, so each fires once into an
// `appointment.reminder` event (the notifications consumer delivers it).
import type { Appointment } from "../core/appointment";
import { isReminderKind, REMINDERS, type ReminderKind, remindersToSchedule } from "../core/reminders";
import type { Scheduler } from "../lib/scheduler";

const PREFIX = "reminder:";

function timerName(kind: ReminderKind, appointmentId: string): string {
	return `${PREFIX}${kind}:${appointmentId}`;
}

export interface DueReminder {
	kind: ReminderKind;
	appointmentId: string;
}

/** The reminder a timer stands for, or null for any other timer. */
export function reminderOf(name: string): DueReminder | null {
	if (!name.startsWith(PREFIX)) return null;
	const rest = name.slice(PREFIX.length);
	const colon = rest.indexOf(":");
	const kind = rest.slice(0, colon);
	return colon > 0 && isReminderKind(kind) ? { kind, appointmentId: rest.slice(colon + 1) } : null;
}

export function scheduleReminders(timers: Scheduler, appointment: Appointment, now: number): void {
	for (const { kind, dueAt } of remindersToSchedule(Date.parse(appointment.start), now)) {
		timers.at(timerName(kind, appointment.id), dueAt);
	}
}

export function dropReminders(timers: Scheduler, appointmentId: string): void {
	for (const { kind } of REMINDERS) timers.cancel(timerName(kind, appointmentId));
}
