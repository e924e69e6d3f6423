// Appointments as iCalendar (RFC 5545): one event per appointment, for feeds and single downloads alike.
import ical, { ICalEventStatus } from "ical-generator";
import type { Appointment, AppointmentStatus, ConsultationMode } from "./appointment";

/** A feed serves appointments from this many days ago onward: calendars keep what they already had. */
export const FEED_LOOKBACK_DAYS = 90;
/** At most this many events a feed, the latest kept (a busy doctor's 90 days and horizon fit in it). */
export const FEED_MAX_EVENTS = 2000;
/** How often subscribers are asked to refetch (REFRESH-INTERVAL / X-PUBLISHED-TTL); clients may poll less. */
const REFRESH_SECONDS = 15 * 60;
const PRODUCT = { company: "docslot", product: "docslot", language: "EN" };

/** Whose calendar: a patient sees whom they see; a doctor's events name no patient (feeds live in other companies' calendars). */
export type CalendarViewer = "patient" | "doctor";

export interface CalendarEntry {
	appointment: Appointment;
	/** Changes of the appointment so far: iCalendar's SEQUENCE, 0 when booked. */
	sequence: number;
	doctorName: string;
	/** The doctor's zone, to say the local time in words; the event's times are UTC instants. */
	timezone: string | null;
}

export interface CalendarOptions {
	name: string;
	viewer: CalendarViewer;
	/** Where the appointment can be seen and changed, as the event's URL. */
	pageUrl: string;
}

const MODE_LABELS: Record<ConsultationMode, string> = {
	in_person: "In person",
	voice: "Voice call",
	video: "Video call",
	chat: "Chat",
};

/** The earliest start a feed serves, as an ISO instant. */
export function feedStartsAt(now: number): string {
	return new Date(now - FEED_LOOKBACK_DAYS * 24 * 3600_000).toISOString();
}

/** An event's UID: the appointment id, so an event keeps its identity through every change. */
export function eventUid(appointmentId: string): string {
	return `${appointmentId}@docslot`;
}

function eventStatus(status: AppointmentStatus): ICalEventStatus {
	switch (status) {
		case "pending":
			return ICalEventStatus.TENTATIVE;
		case "confirmed":
		case "checked_in":
		case "completed":
		case "no_show":
			return ICalEventStatus.CONFIRMED;
		case "cancelled":
		case "declined":
		case "rescheduled":
			return ICalEventStatus.CANCELLED;
	}
}

/**
 * The sequence of an appointment read from its day object (current) with the projection's row (which
 * counts changes but may lag by a delivery): a row showing another status misses the one change in flight.
 */
export function currentSequence(
	appointment: Pick<Appointment, "status">,
	projected: { sequence: number; status: string } | null,
): number {
	if (projected === null) return appointment.status === "confirmed" ? 0 : 1;
	return projected.status === appointment.status ? projected.sequence : projected.sequence + 1;
}

/** The calendar text. Times are UTC instants (…Z): exact across DST in every client, no VTIMEZONE needed. */
export function appointmentsCalendar(entries: readonly CalendarEntry[], options: CalendarOptions): string {
	const calendar = ical({ name: options.name, prodId: PRODUCT, ttl: REFRESH_SECONDS });
	for (const entry of entries) {
		const { appointment } = entry;
		const changed = appointment.cancelled_at ?? appointment.created_at;
		const mode = MODE_LABELS[appointment.consultation_mode];
		const local = entry.timezone === null ? "" : ` (${appointment.time} ${entry.timezone})`;
		calendar.createEvent({
			id: eventUid(appointment.id),
			sequence: entry.sequence,
			status: eventStatus(appointment.status),
			start: new Date(appointment.start),
			end: new Date(appointment.end),
			stamp: new Date(changed),
			created: new Date(appointment.created_at),
			lastModified: new Date(changed),
			summary:
				options.viewer === "patient"
					? `Appointment with ${entry.doctorName}`
					: `Patient appointment (${mode})`,
			description: `${mode} consultation, ${appointment.date}${local}. Appointment ${appointment.id}.`,
			url: options.pageUrl,
		});
	}
	return calendar.toString();
}
