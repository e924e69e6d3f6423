// The zod schemas that validate every request and also write the OpenAPI document, so the two agree.
import { z } from "@hono/zod-openapi";
import { CONSULTATION_MODES } from "../core/appointment";
import { DEFAULT_MAX_PER_PATIENT } from "../core/day-config";
import { DEFAULT_HOLD_SECONDS } from "../core/holds";
import { APPOINTMENT_STATUSES, STATUS_REQUESTS } from "../core/lifecycle";
import { EVERY_WEEKS, SERIES_COUNT } from "../core/series";
import { findRangeProblem } from "../core/slots";
import { MAX_COMBINING_MARKS, normalizeText, type TextKind, textProblem } from "../core/text";
import { isValidDate, parseTime, WEEKDAYS } from "../core/time";
import { canonicalTimeZone } from "../core/time-zone";
import { DEFAULT_OFFER_SECONDS } from "../core/waitlist";
import { isCommonPassword } from "./common-passwords";
import { PageQuery } from "./pagination";

export const DateString = z
	.string()
	.refine(isValidDate, "Must be a real calendar date written YYYY-MM-DD.")
	.openapi({ example: "2027-03-15" });

export const TimeString = z
	.string()
	.refine((t) => parseTime(t) !== null, "Must be a wall-clock time written HH:MM (24:00 ends a day).")
	.openapi({ example: "09:00" });

const LAST_INSTANT = Date.parse("9999-12-30T00:00:00Z");

export const Instant = z.iso
	.datetime({ offset: true })
	.transform((s) => Date.parse(s))
	// Dates outside 1970-9999 are no one's appointment, and the calendar code does not have to meet them.
	.refine((ms) => ms >= 0 && ms < LAST_INSTANT, "Must be between 1970 and 9999.")
	.openapi({ type: "string", format: "date-time", example: "2027-03-15T13:00:00.000Z" });

export const TimeZone = z
	.string()
	// Every spelling of a zone is stored the same way, so "us/eastern" and "America/New_York" are one zone.
	.transform((zone, ctx) => {
		const canonical = canonicalTimeZone(zone);
		if (canonical !== null) return canonical;
		ctx.addIssue({ code: "custom", message: "Must be an IANA time zone such as Europe/Berlin." });
		return z.NEVER;
	})
	.openapi({ type: "string", example: "America/New_York" });

/**
 * Free text people type: stored trimmed and NFC-normalised, at most `max` UTF-16 units after that;
 * control characters, bidi overrides and isolates, lone surrogates and piles of combining marks are a 400
 * (src/core/text.ts). Every name, specialty and reason goes through this one schema.
 */
export function freeText(max: number, kind: TextKind = {}) {
	const kept = kind.multiline ? " (line feeds and tabs are kept)" : "";
	const description =
		`Trimmed and stored in Unicode NFC. Refused: control characters${kept}, bidi overrides and isolates, ` +
		`more than ${MAX_COMBINING_MARKS} combining marks on one character.`;
	return z
		.string()
		.overwrite((text) => normalizeText(text, kind))
		.max(max)
		.superRefine((text, ctx) => {
			const problem = textProblem(text, kind);
			if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
		})
		.openapi({ description });
}

const Email = z
	.email()
	.max(254)
	.transform((e) => e.toLowerCase());
/** A new password, NFC-normalised first so every way of typing "café" is one password (login does the same). */
export const Password = z
	.string()
	.overwrite((password) => password.normalize("NFC"))
	.min(8, "Use at least 8 characters.")
	.max(200, "Use at most 200 characters.")
	.refine((password) => password.trim() !== "", "Use something other than spaces.")
	.refine((password) => !isCommonPassword(password), "One of the commonest passwords: choose another.");
/** A password to check at login: NFC-normalised like new ones. */
export const LoginPassword = z
	.string()
	.overwrite((password) => password.normalize("NFC"))
	.max(200);
const Name = freeText(100).min(1, "Must not be blank.");
const Specialty = freeText(100);
const Reason = (max: number) => freeText(max, { multiline: true });

export const DoctorIdParam = z.object({ doctor_id: z.string().max(100) });
export const AppointmentIdParam = z.object({ id: z.string().max(200) });

export const RegisterBody = z.strictObject({ email: Email, password: Password, name: Name });
export const LoginBody = z.strictObject({ email: Email, password: LoginPassword });
export const PatchMeBody = z.strictObject({
	name: Name.optional(),
	email_notifications: z.boolean().optional(),
});
export const PasswordResetBody = z.strictObject({ email: Email });
export const PasswordResetConfirmBody = z.strictObject({
	token: z.string().min(1).max(500),
	password: Password,
});

export const User = z
	.object({
		id: z.string(),
		email: z.string(),
		name: z.string(),
		role: z.enum(["admin", "doctor", "patient"]),
		doctor_id: z.string().optional(),
	})
	.openapi("User");
export const Session = z.object({ token: z.string(), user: User }).openapi("Session");

export const Doctor = z
	.object({
		id: z.string(),
		name: z.string(),
		specialty: z.string().nullable(),
		is_available: z.boolean(),
		is_approved: z.boolean(),
		timezone: z.string().optional(),
		clinic_id: z.string().nullable(),
	})
	.openapi("Doctor");

const ClinicId = z.string().min(1).max(100);
const Weekdays = z
	.array(z.enum(WEEKDAYS))
	.max(7)
	.refine((days) => new Set(days).size === days.length, "Name each weekday once.");
const Holidays = z
	.array(DateString)
	.max(366)
	.refine((dates) => new Set(dates).size === dates.length, "Name each date once.");

export const Clinic = z
	.object({
		id: z.string(),
		name: z.string(),
		timezone: z.string(),
		default_capacity: z.number(),
		closed_weekdays: z.array(z.enum(WEEKDAYS)),
		holidays: z.array(z.string()),
	})
	.openapi("Clinic");

export const CreateClinicBody = z.strictObject({
	name: Name,
	timezone: TimeZone,
	default_capacity: z.number().int().min(1).max(1000).default(1),
	closed_weekdays: Weekdays.default([]),
	holidays: Holidays.default([]),
});

export const PatchClinicBody = z
	.strictObject({
		name: Name.optional(),
		timezone: TimeZone.optional(),
		default_capacity: z.number().int().min(1).max(1000).optional(),
		closed_weekdays: Weekdays.optional(),
		holidays: Holidays.optional(),
	})
	.refine((b) => Object.keys(b).length > 0, "Give at least one field to change.");

export const ClinicIdParam = z.object({ clinic_id: ClinicId });
export const ClinicListQuery = z.strictObject(PageQuery);

export const CreateDoctorBody = z.strictObject({
	name: Name,
	email: Email,
	password: Password,
	specialty: Specialty.nullish(),
	is_available: z.boolean().optional(),
	is_approved: z.boolean().optional(),
	clinic_id: ClinicId.nullish(),
});

export const PatchDoctorBody = z
	.strictObject({
		name: Name.optional(),
		specialty: Specialty.nullish(),
		is_available: z.boolean().optional(),
		is_approved: z.boolean().optional(),
		clinic_id: ClinicId.nullish(),
	})
	.refine((b) => Object.keys(b).length > 0, "Give at least one field to change.");

const Capacity = z.number().int().min(1).max(1000);
const Range = z.strictObject({
	start: TimeString,
	end: TimeString,
	// Omitted: the schedule's capacity.
	capacity: Capacity.optional(),
});
const DayRanges = z
	.array(Range)
	.max(48)
	.default([])
	.superRefine((ranges, ctx) => {
		const problem = findRangeProblem(ranges);
		if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
	});

export const Weekly = z.strictObject(
	Object.fromEntries(WEEKDAYS.map((day) => [day, DayRanges])) as Record<
		(typeof WEEKDAYS)[number],
		typeof DayRanges
	>,
);

const Minutes = (max: number) => z.number().int().min(0).max(max);
const AppointmentTypeId = z
	.string()
	.regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Use 1 to 40 lowercase letters, digits, - or _.");

const SCHEDULE_RULES = {
	// Gap after every slot before the next one starts.
	buffer_minutes: Minutes(720).default(0),
	// Patients book (and hold) only slots starting at least this far ahead: TOO_LATE_TO_BOOK inside it.
	min_notice_minutes: Minutes(60 * 24 * 60).default(0),
	// Patients cancel only appointments starting at least this far ahead: TOO_LATE_TO_CANCEL inside it.
	cancel_cutoff_minutes: Minutes(60 * 24 * 60).default(0),
	// Bookings (pending ones and live holds too) a day takes from patients: DAY_FULL past that. Null: no limit.
	max_per_day: z.number().int().min(1).max(100_000).nullable().default(null),
	// Places per slot only the doctor or an admin can book; patients see them as taken.
	reserved_places: z.number().int().min(0).max(1000).default(0),
	appointment_types: z
		.array(z.strictObject({ id: AppointmentTypeId, name: Name, slots: z.number().int().min(1).max(48) }))
		.max(20)
		.default([])
		.refine((types) => new Set(types.map((t) => t.id)).size === types.length, "Give each type its own id."),
};

export const ScheduleBody = z
	.strictObject({
		// Omitted: the clinic's zone for a doctor of a clinic (a doctor of none must give one).
		timezone: TimeZone.optional(),
		slot_minutes: z.number().int().min(5).max(720).default(30),
		// Omitted: the clinic's default_capacity for a doctor of a clinic, else 1.
		capacity: Capacity.optional(),
		horizon_days: z.number().int().min(0).max(365).default(60),
		max_per_patient_per_day: z.number().int().min(1).max(100).default(DEFAULT_MAX_PER_PATIENT),
		hold_seconds: z.number().int().min(10).max(3600).default(DEFAULT_HOLD_SECONDS),
		offer_seconds: z.number().int().min(10).max(86_400).default(DEFAULT_OFFER_SECONDS),
		requires_approval: z.boolean().default(false),
		...SCHEDULE_RULES,
		weekly: Weekly,
	})
	.openapi("Schedule");

/** The schedule a doctor would have, and the date to cut it for: its slots, before anything is saved. */
export const SchedulePreviewBody = ScheduleBody.extend({ date: DateString }).openapi(
	"SchedulePreviewRequest",
);

export const UnavailabilityBody = z
	.strictObject({
		date: DateString,
		start: TimeString,
		end: TimeString,
		reason: Reason(500).nullish(),
	})
	.refine(startsBeforeEnd, { message: "start must be before end.", path: ["end"] });

export const PatchUnavailabilityBody = z
	.strictObject({
		date: DateString.optional(),
		start: TimeString.optional(),
		end: TimeString.optional(),
		reason: Reason(500).nullish(),
	})
	.refine((b) => Object.keys(b).length > 0, "Give at least one field to change.");

export function startsBeforeEnd(range: { start: string; end: string }): boolean {
	return (parseTime(range.start) ?? 0) < (parseTime(range.end) ?? 0);
}

export const Unavailability = z
	.object({
		id: z.string(),
		doctor_id: z.string(),
		date: z.string(),
		start: z.string(),
		end: z.string(),
		reason: z.string().nullable(),
	})
	.openapi("Unavailability");

export const DateRangeQuery = z
	.strictObject({ from: DateString, to: DateString })
	.refine((q) => q.from <= q.to, { message: "from must not be after to.", path: ["to"] });

const optionalDateRange = { from: DateString.optional(), to: DateString.optional() };
const fromNotAfterTo: [(q: { from?: string; to?: string }) => boolean, { message: string; path: string[] }] =
	[
		(q) => q.from === undefined || q.to === undefined || q.from <= q.to,
		{ message: "from must not be after to.", path: ["to"] },
	];

export const OptionalDateRangeQuery = z.strictObject(optionalDateRange).refine(...fromNotAfterTo);

export const AppointmentListQuery = z
	.strictObject({ ...optionalDateRange, ...PageQuery })
	.refine(...fromNotAfterTo);

export const DoctorListQuery = z.strictObject(PageQuery);

export const Slot = z
	.object({
		start: z.string(),
		end: z.string(),
		time: z.string(),
		capacity: z.number(),
		booked: z.number(),
		held: z.number(),
		remaining: z.number(),
		status: z.enum(["available", "held", "full", "unavailable", "past"]),
		// When the schedule has appointment_types: the ones a patient can start here now (all their slots free).
		types: z.array(z.string()).optional(),
	})
	.openapi("Slot");

const VisitType = z
	.object({ id: z.string(), name: z.string(), slots: z.number(), minutes: z.number() })
	.openapi("VisitType");

export const DayAvailability = z
	.object({
		doctor_id: z.string(),
		date: z.string(),
		timezone: z.string().nullable(),
		version: z.number(),
		total_slots: z.number(),
		available_count: z.number(),
		booked_count: z.number(),
		closed: z.enum(["clinic"]).nullable(),
		slots: z.array(Slot),
		appointment_types: z.array(VisitType).optional(),
	})
	.openapi("DayAvailability");

export const CheckBody = z.strictObject({ start: Instant });

/** The day `version` the client's page showed: a slot changed since then is SLOT_CHANGED. */
const ExpectedVersion = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();

export const BookBody = z.strictObject({
	doctor_id: z.string().min(1).max(100),
	start: Instant,
	consultation_mode: z.enum(CONSULTATION_MODES).default("in_person"),
	reason: Reason(1000).nullish(),
	patient_id: z.string().min(1).max(100).optional(),
	hold_id: z.string().min(1).max(200).optional(),
	expected_version: ExpectedVersion,
	// An appointment type of the doctor's schedule: that many consecutive slots, all or none.
	type: AppointmentTypeId.optional(),
	/** A family booking: the caller and their dependents, all into this slot or none. */
	patient_ids: z.array(z.string().min(1).max(100)).min(1).max(10).optional(),
});

export const DependentIdParam = z.object({ id: z.string().max(100) });
export const DependentBody = z.strictObject({ name: Name, birth_date: DateString.optional() });
export const Dependent = z
	.object({ id: z.string(), name: z.string(), birth_date: z.string().nullable() })
	.openapi("Dependent");

export const HoldBody = z.strictObject({
	doctor_id: z.string().min(1).max(100),
	start: Instant,
	patient_id: z.string().min(1).max(100).optional(),
	expected_version: ExpectedVersion,
	type: AppointmentTypeId.optional(),
});

export const RescheduleBody = z.strictObject({
	start: Instant,
	doctor_id: z.string().min(1).max(100).optional(),
	// The new visit's type (null: one slot); absent: the old one's where the new doctor's schedule has it.
	type: AppointmentTypeId.nullable().optional(),
});

export const HoldIdParam = z.object({ id: z.string().max(200) });

export const SeriesBody = z.strictObject({
	doctor_id: z.string().min(1).max(100),
	start: Instant,
	every_weeks: z.number().int().min(EVERY_WEEKS.min).max(EVERY_WEEKS.max),
	count: z.number().int().min(SERIES_COUNT.min).max(SERIES_COUNT.max),
	consultation_mode: z.enum(CONSULTATION_MODES).default("in_person"),
	reason: Reason(1000).nullish(),
});

export const SeriesIdParam = z.object({ id: z.string().max(200) });

export const Hold = z
	.object({
		id: z.string(),
		doctor_id: z.string(),
		patient_id: z.string(),
		start: z.string(),
		end: z.string(),
		expires_at: z.string(),
		type: z.string().optional(),
	})
	.openapi("Hold");

export const WaitlistBody = z.strictObject({
	doctor_id: z.string().min(1).max(100),
	date: DateString,
	// Omitted: any slot of the day.
	start: Instant.optional(),
});

export const WaitlistEntry = z
	.object({
		id: z.string(),
		doctor_id: z.string(),
		patient_id: z.string(),
		date: z.string(),
		start: z.string().nullable(),
		position: z.number().nullable(),
		status: z.enum(["waiting", "offered", "accepted", "declined", "expired", "left"]),
		created_at: z.string(),
		offered_start: z.string().nullable(),
		offered_time: z.string().nullable(),
		offer_expires_at: z.string().nullable(),
		hold_id: z.string().nullable(),
		appointment_id: z.string().nullable(),
	})
	.openapi("WaitlistEntry");

export const WaitlistListQuery = z.strictObject(PageQuery);

export const IdempotencyHeader = z.object({
	"idempotency-key": z
		.string()
		.regex(/^[\x21-\x7e]{1,200}$/, "Use 1 to 200 visible ASCII characters.")
		.optional(),
});

const HistoryEntry = z.object({ status: z.enum(APPOINTMENT_STATUSES), at: z.string(), by: z.string() });

export const Appointment = z
	.object({
		id: z.string(),
		doctor_id: z.string(),
		patient_id: z.string(),
		date: z.string(),
		time: z.string(),
		start: z.string(),
		end: z.string(),
		status: z.enum(APPOINTMENT_STATUSES),
		consultation_mode: z.enum(CONSULTATION_MODES),
		reason: z.string().nullable(),
		created_at: z.string(),
		cancelled_at: z.string().nullable(),
		type: z.string().optional(),
		history: z.array(HistoryEntry).optional(),
		rescheduled_to: z.string().optional(),
		rescheduled_from: z.string().optional(),
		series_id: z.string().optional(),
		// Shown to the appointment's doctor and admins only.
		patient_name: z.string().nullable().optional(),
	})
	.openapi("Appointment");

export const StatusBody = z.strictObject({ status: z.enum(STATUS_REQUESTS) });

export const ErrorBody = z
	.object({ error: z.object({ code: z.string(), message: z.string() }).passthrough() })
	.openapi("Error");

export const Series = z
	.object({
		id: z.string(),
		doctor_id: z.string(),
		patient_id: z.string(),
		every_weeks: z.number().int(),
		count: z.number().int(),
		appointments: z.array(Appointment),
	})
	.openapi("Series");
