// Which day events become notifications, for whom, and in what words. Pure: the consumer
// (src/events/notifications.ts) adds ids and delivers them; unknown event types make none.
import { type Appointment, parseAppointmentId, type Role } from "./appointment";
import type { DayEvent } from "./day-decider";
import type { ReminderKind } from "./reminders";
import type { WaitlistEntry } from "./waitlist";

export const NOTIFICATION_TYPES = [
	"booked",
	"cancelled",
	"reminder",
	"outside_schedule",
	"pending",
	"confirmed",
	"declined",
	"waitlist_offer",
	"rescheduled",
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Who a notification is for: the patient's inbox is fed by the day's consumer, the doctor's by the Doctor object. */
export type Audience = "patient" | "doctor";

/** A notification for one account, before it has an id. */
export interface NotificationDraft {
	audience: Audience;
	recipient: string;
	type: NotificationType;
	/** Null for a waitlist offer: it is about a place, not yet an appointment. */
	appointment_id: string | null;
	/** What the notification is about, for its id: the appointment, or the waitlist entry. */
	subject: string;
	title: string;
	body: string;
}

/** What the consumer knows of the appointment's doctor: the name, and the accounts that sign in as them. */
export interface DoctorContext {
	name: string | null;
	accountIds: readonly string[];
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mon 15 Mar 2027 at 09:00": the doctor-local date and time, as the booking page shows them. */
export function describeWhen(appointment: Pick<Appointment, "date" | "time">): string {
	const day = new Date(`${appointment.date}T00:00:00Z`);
	const [year, month] = [day.getUTCFullYear(), day.getUTCMonth()];
	return `${WEEKDAYS[day.getUTCDay()]} ${day.getUTCDate()} ${MONTHS[month]} ${year} at ${appointment.time}`;
}

/** Whether an event makes any notification for `audience` (either, when absent): unknown types and config changes that leave every booking in make none. */
export function isNotifiable(event: DayEvent, audience?: Audience): boolean {
	switch (event.type) {
		case "appointment.booked":
			// A reschedule's new booking is told by the old one's "rescheduled" notice, except to a new doctor.
			return (
				event.appointment.rescheduled_from === undefined ||
				(audience !== "patient" && movedIn(event.appointment))
			);
		case "appointment.cancelled":
			return true;
		case "appointment.reminder":
			return audience !== "doctor";
		case "day.config_changed":
			return (event.outside_schedule?.length ?? 0) > 0;
		case "appointment.status_changed":
			if (event.appointment.status === "rescheduled") return event.to !== undefined;
			return audience !== "doctor" && DECISIONS.includes(event.appointment.status);
		case "waitlist.offered":
			return audience !== "doctor";
		default:
			return false;
	}
}

export function notificationsFor(event: DayEvent, doctor: DoctorContext): NotificationDraft[] {
	switch (event.type) {
		case "appointment.booked":
			if (event.appointment.rescheduled_from !== undefined)
				return movedIn(event.appointment)
					? booked(event.appointment, event.booked_by, doctor).filter((n) => n.audience === "doctor")
					: [];
			return event.appointment.status === "pending"
				? pending(event.appointment, doctor)
				: booked(event.appointment, event.booked_by, doctor);
		case "appointment.status_changed":
			if (event.appointment.status === "rescheduled")
				return event.to === undefined
					? []
					: rescheduled(event.appointment, event.to, event.changed_by, doctor);
			return decided(event.appointment, doctor);
		case "appointment.cancelled":
			return cancelled(event.appointment, event.cancelled_by, doctor);
		case "appointment.reminder":
			return [reminder(event.appointment, event.reminder, doctor)];
		case "day.config_changed":
			return (event.outside_schedule ?? []).flatMap((a) => outsideSchedule(a, doctor));
		case "waitlist.offered":
			return [offer(event.entry, doctor)];
		default:
			return [];
	}
}

function doctorName(doctor: DoctorContext): string {
	return doctor.name ?? "your doctor";
}

function forPatient(a: Appointment, type: NotificationType, title: string, body: string): NotificationDraft {
	return {
		audience: "patient",
		recipient: a.patient_id,
		type,
		appointment_id: a.id,
		subject: a.id,
		title,
		body,
	};
}

function forDoctor(
	a: Appointment,
	doctor: DoctorContext,
	type: NotificationType,
	title: string,
	body: string,
): NotificationDraft[] {
	return doctor.accountIds.map((recipient) => ({
		audience: "doctor",
		recipient,
		type,
		appointment_id: a.id,
		subject: a.id,
		title,
		body,
	}));
}

function booked(a: Appointment, bookedBy: string, doctor: DoctorContext): NotificationDraft[] {
	const when = describeWhen(a);
	const byDoctor = doctor.accountIds.includes(bookedBy);
	const patientNote =
		bookedBy === a.patient_id
			? ""
			: byDoctor
				? " Booked for you by the doctor."
				: " Booked for you by the clinic.";
	const doctorNote =
		bookedBy === a.patient_id ? "A patient booked" : byDoctor ? "You booked" : "The clinic booked";
	return [
		forPatient(a, "booked", "Appointment booked", `With ${doctorName(doctor)}, ${when}.${patientNote}`),
		...forDoctor(a, doctor, "booked", "New booking", `${doctorNote} ${when}.`),
	];
}

/** The doctor's answers to a pending booking are news for the patient; the visit's own steps are not. */
const DECISIONS: readonly string[] = ["confirmed", "declined"];

/** The visit's own steps: no notification, but the patient's open pages show the new status. */
const VISIT_STEPS: readonly string[] = ["checked_in", "completed", "no_show"];

/** The appointment a patient's open pages should show changed without any notification, or null. */
export function silentPatientChange(event: DayEvent): Appointment | null {
	return event.type === "appointment.status_changed" && VISIT_STEPS.includes(event.appointment.status)
		? event.appointment
		: null;
}

function pending(a: Appointment, doctor: DoctorContext): NotificationDraft[] {
	const when = describeWhen(a);
	return [
		forPatient(
			a,
			"pending",
			"Booking awaiting approval",
			`With ${doctorName(doctor)}, ${when}. Your place is kept while the doctor confirms it.`,
		),
		...forDoctor(
			a,
			doctor,
			"pending",
			"Booking to approve",
			`A patient asks for ${when}: confirm or decline it.`,
		),
	];
}

function decided(a: Appointment, doctor: DoctorContext): NotificationDraft[] {
	const when = describeWhen(a);
	if (a.status === "confirmed")
		return [forPatient(a, "confirmed", "Appointment confirmed", `With ${doctorName(doctor)}, ${when}.`)];
	if (a.status === "declined")
		return [
			forPatient(
				a,
				"declined",
				"Booking declined",
				`${capitalized(doctorName(doctor))} declined your booking of ${when}. Please choose another time.`,
			),
		];
	return [];
}

function cancelled(a: Appointment, by: Role, doctor: DoctorContext): NotificationDraft[] {
	const when = describeWhen(a);
	const name = doctorName(doctor);
	const patientBody = {
		patient: `You cancelled your appointment with ${name}, ${when}.`,
		doctor: `${capitalized(name)} cancelled your appointment, ${when}.`,
		admin: `The clinic cancelled your appointment with ${name}, ${when}.`,
	}[by];
	const doctorBody = {
		patient: `The patient cancelled the booking of ${when}.`,
		doctor: `You cancelled the booking of ${when}.`,
		admin: `The clinic cancelled the booking of ${when}.`,
	}[by];
	return [
		forPatient(a, "cancelled", "Appointment cancelled", patientBody),
		...forDoctor(a, doctor, "cancelled", "Booking cancelled", doctorBody),
	];
}

/** A reschedule brought this appointment from another doctor. */
function movedIn(a: Appointment): boolean {
	const from = a.rescheduled_from === undefined ? null : parseAppointmentId(a.rescheduled_from);
	return from !== null && from.doctorId !== a.doctor_id;
}

/** Both hear of a move, told at the old appointment (the new one's booking makes no notice of its own). */
function rescheduled(
	from: Appointment,
	to: Appointment,
	by: Role,
	doctor: DoctorContext,
): NotificationDraft[] {
	const moves = `from ${describeWhen(from)} to ${describeWhen(to)}`;
	const elsewhere = to.doctor_id === from.doctor_id ? "" : " with another doctor";
	const who = { patient: "You", doctor: capitalized(doctorName(doctor)), admin: "The clinic" }[by];
	const doctorWho = { patient: "The patient", doctor: "You", admin: "The clinic" }[by];
	return [
		forPatient(
			from,
			"rescheduled",
			"Appointment rescheduled",
			`${who} rescheduled your appointment ${moves}${elsewhere}.`,
		),
		...forDoctor(
			from,
			doctor,
			"rescheduled",
			"Booking rescheduled",
			`${doctorWho} rescheduled the booking ${moves}${elsewhere}.`,
		),
	];
}

/** Reminders go to the patient only: the doctor's page lists the day, and two more notes a booking is noise. */
function reminder(a: Appointment, kind: ReminderKind, doctor: DoctorContext): NotificationDraft {
	const title = kind === "24h" ? "Appointment tomorrow" : "Appointment in an hour";
	return forPatient(a, "reminder", title, `With ${doctorName(doctor)}, ${describeWhen(a)}.`);
}

function outsideSchedule(a: Appointment, doctor: DoctorContext): NotificationDraft[] {
	const when = describeWhen(a);
	return [
		forPatient(
			a,
			"outside_schedule",
			"Your appointment is outside the doctor's hours",
			`${capitalized(doctorName(doctor))} changed their hours: your appointment, ${when}, is still booked but ` +
				"now falls outside them. Contact the clinic, or cancel and book another time.",
		),
		...forDoctor(
			a,
			doctor,
			"outside_schedule",
			"A booking is outside your schedule",
			`The booking of ${when} is kept but falls outside your hours now: cancel it or tell the patient.`,
		),
	];
}

/** A freed place kept for a waiting patient: accept it before it passes to the next in line. */
function offer(entry: WaitlistEntry, doctor: DoctorContext): NotificationDraft {
	const when = describeWhen({ date: entry.date, time: entry.offered_time ?? "" });
	return {
		audience: "patient",
		recipient: entry.patient_id,
		type: "waitlist_offer",
		appointment_id: null,
		subject: entry.id,
		title: "A place freed up for you",
		body:
			`With ${doctorName(doctor)}, ${when}. It is kept for you until the offer ends: accept it on the ` +
			"booking page, or it goes to the next in line.",
	};
}

function capitalized(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
