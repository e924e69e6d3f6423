// Emails in words: a notification's and a password reset's subject, text and HTML (and an .ics for
// bookings and reschedules), and how often a failed send is retried. Pure: the User object's outbox stores
// and sends them.
import type { Appointment } from "./appointment";
import { appointmentsCalendar, type CalendarEntry } from "./calendar-ics";
import type { NotificationType } from "./notifications";

export interface EmailContent {
	subject: string;
	text: string;
	html: string;
	/** An iCalendar attachment (appointment.ics), for bookings and reschedules. */
	ics: string | null;
}

/** An appointment for the email's .ics, with its doctor's name. */
export interface EmailAppointment {
	appointment: Appointment;
	doctorName: string;
}

/** What a notification email needs besides the notification: where the site is, and its appointment. */
export interface EmailContext {
	siteUrl: string;
	/**
	 * The appointment, when the notification's event carried it; a reschedule's new one, with the old one it
	 * `replaces`.
	 */
	calendar?: EmailAppointment & { replaces?: EmailAppointment };
}

/** Notification types whose email carries the appointment as an .ics. */
const WITH_ICS: readonly NotificationType[] = ["booked", "confirmed", "rescheduled"];

/** A send is tried this many times in all before it is dead-lettered. */
export const EMAIL_MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3_600_000;

/** After `attempts` failed sends: when to try again (exponential, capped), or null when it is dead. */
export function emailRetryAt(attempts: number, now: number): number | null {
	if (attempts >= EMAIL_MAX_ATTEMPTS) return null;
	return now + Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS);
}

export function notificationEmail(
	notification: { type: NotificationType; title: string; body: string },
	context: EmailContext,
): EmailContent {
	const link = `${context.siteUrl}/`;
	const optOut =
		"You get these emails because of your docslot account; turn them off in your account settings.";
	const calendar = context.calendar;
	const ics =
		calendar !== undefined && WITH_ICS.includes(notification.type)
			? appointmentsCalendar(calendarEntries(calendar), {
					name: "docslot appointment",
					viewer: "patient",
					pageUrl: link,
				})
			: null;
	return {
		subject: notification.title,
		text: `${notification.title}\n\n${notification.body}\n\n${link}\n\n${optOut}\n`,
		html: page(notification.title, [notification.body], { href: link, label: "Open docslot" }, optOut),
		ics,
	};
}

/**
 * The .ics events: the appointment as booked (SEQUENCE 0), and for a reschedule also the old appointment,
 * STATUS:CANCELLED under its own UID with its SEQUENCE raised by its changes. Not the old UID moved to the new
 * time: a UID names one appointment everywhere (feed, "Add to calendar", earlier emails; RFC 5545 3.8.4.7),
 * and the new appointment has its own id, so its event must carry that id's UID to stay one event.
 */
function calendarEntries(calendar: NonNullable<EmailContext["calendar"]>): CalendarEntry[] {
	const entry = (a: EmailAppointment, sequence: number): CalendarEntry => ({
		appointment: a.appointment,
		sequence,
		doctorName: a.doctorName,
		timezone: null,
	});
	const { replaces } = calendar;
	if (replaces === undefined) return [entry(calendar, 0)];
	// Each status it had after the first is one change: at least the move itself.
	const changes = Math.max((replaces.appointment.history?.length ?? 0) - 1, 1);
	return [entry(calendar, 0), entry(replaces, changes)];
}

/** The reset email: the single-use link, and how long it works. */
export function passwordResetEmail(link: string, validMinutes: number): EmailContent {
	const title = "Reset your docslot password";
	const lines = [
		`Someone (hopefully you) asked to reset the password of your docslot account. The link works once, for ${validMinutes} minutes.`,
		"If it was not you, ignore this email: your password stays as it is.",
	];
	return {
		subject: title,
		text: `${title}\n\n${lines[0]}\n\n${link}\n\n${lines[1]}\n`,
		html: page(title, lines, { href: link, label: "Choose a new password" }, ""),
		ics: null,
	};
}

function page(
	title: string,
	paragraphs: readonly string[],
	action: { href: string; label: string },
	footer: string,
) {
	const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("");
	const button = `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`;
	const small = footer === "" ? "" : `<p style="color:#666;font-size:12px">${escapeHtml(footer)}</p>`;
	return `<!doctype html><html><body style="font-family:sans-serif"><h1 style="font-size:18px">${escapeHtml(title)}</h1>${body}${button}${small}</body></html>`;
}

export function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
	);
}
