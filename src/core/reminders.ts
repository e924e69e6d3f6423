// Reminders before an appointment: which to schedule when it is booked, and whether one that came due is
// still worth sending (a late alarm sends only the nearest reminder, and none once the appointment began).

export const REMINDERS = [
	{ kind: "24h", beforeMs: 24 * 3600_000 },
	{ kind: "1h", beforeMs: 3600_000 },
] as const;

export type ReminderKind = (typeof REMINDERS)[number]["kind"];

export function isReminderKind(kind: string): kind is ReminderKind {
	return REMINDERS.some((r) => r.kind === kind);
}

function beforeMs(kind: ReminderKind): number {
	return REMINDERS.find((r) => r.kind === kind)?.beforeMs ?? 0;
}

/** The reminders of an appointment starting at `start`, booked at `now`: only those still ahead. */
export function remindersToSchedule(start: number, now: number): { kind: ReminderKind; dueAt: number }[] {
	return REMINDERS.filter((r) => start - r.beforeMs > now).map((r) => ({
		kind: r.kind,
		dueAt: start - r.beforeMs,
	}));
}

/**
 * Whether a reminder that came due is sent at `now`: the appointment is confirmed and has not started, and no
 * nearer reminder is due too (an object woken late says "in an hour", not also "tomorrow").
 */
export function shouldSendReminder(
	kind: ReminderKind,
	appointment: { status: string; start: string },
	now: number,
): boolean {
	const start = Date.parse(appointment.start);
	if (appointment.status !== "confirmed" || start <= now) return false;
	return !REMINDERS.some((r) => r.beforeMs < beforeMs(kind) && start - r.beforeMs <= now);
}
