// D1 tables: accounts, doctors with their weekly schedules, unavailability and the appointment index.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { APPOINTMENT_STATUSES } from "../core/lifecycle";

export const users = sqliteTable(
	"users",
	{
		id: text("id").primaryKey(),
		email: text("email").notNull().unique(),
		name: text("name").notNull(),
		role: text("role", { enum: ["admin", "doctor", "patient"] }).notNull(),
		// "pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"
		passwordHash: text("password_hash").notNull(),
		doctorId: text("doctor_id"),
		createdAt: text("created_at").notNull(),
		// Tokens carry the version they were issued under; raising it revokes every earlier token.
		tokenVersion: integer("token_version").notNull().default(0),
		// A deleted account stays as a tombstone (no name, email or password) so its revocation outlives it.
		deletedAt: text("deleted_at"),
		// When token_version last rose (epoch ms): isolates read only what was revoked since they last looked.
		tokensRevokedAt: integer("tokens_revoked_at"),
		// PATCH /api/me: false stops email (the in-app inbox still fills); pushed to the account's User object.
		emailNotifications: integer("email_notifications", { mode: "boolean" }).notNull().default(true),
	},
	(t) => [index("users_tokens_revoked_at").on(t.tokensRevokedAt)],
);

export const clinics = sqliteTable("clinics", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	timezone: text("timezone").notNull(),
	// A new doctor of the clinic gets this capacity per slot unless their schedule says otherwise.
	defaultCapacity: integer("default_capacity").notNull().default(1),
	// JSON arrays: weekday names ("friday") and doctor-local dates ("2027-01-01") the clinic is closed on.
	closedWeekdays: text("closed_weekdays").notNull().default("[]"),
	holidays: text("holidays").notNull().default("[]"),
	createdAt: text("created_at").notNull(),
	updatedAt: text("updated_at").notNull(),
});

export const doctors = sqliteTable(
	"doctors",
	{
		id: text("id").primaryKey(),
		name: text("name").notNull(),
		specialty: text("specialty"),
		isAvailable: integer("is_available", { mode: "boolean" }).notNull().default(true),
		isApproved: integer("is_approved", { mode: "boolean" }).notNull().default(false),
		// Null until the doctor sets a schedule: such a doctor has no slots.
		timezone: text("timezone"),
		slotMinutes: integer("slot_minutes").notNull().default(30),
		capacity: integer("capacity").notNull().default(1),
		horizonDays: integer("horizon_days").notNull().default(60),
		// Places one patient may book themself on one of the doctor's days (PATIENT_DAY_LIMIT past that).
		maxPerPatientPerDay: integer("max_per_patient_per_day").notNull().default(4),
		// How long a hold (POST /api/holds) keeps a place, in seconds.
		holdSeconds: integer("hold_seconds").notNull().default(300),
		// How long a waitlist offer keeps a freed place for the patient it is offered to, in seconds.
		offerSeconds: integer("offer_seconds").notNull().default(900),
		// Bookings wait as `pending` (holding their place) until the doctor confirms or declines them.
		requiresApproval: integer("requires_approval", { mode: "boolean" }).notNull().default(false),
		// The schedule's rules (src/core/day-config.ts): gap after each slot, how late patients may book
		// and cancel, bookings a day takes from patients (null: no limit), places only staff may book.
		bufferMinutes: integer("buffer_minutes").notNull().default(0),
		minNoticeMinutes: integer("min_notice_minutes").notNull().default(0),
		cancelCutoffMinutes: integer("cancel_cutoff_minutes").notNull().default(0),
		maxPerDay: integer("max_per_day"),
		reservedPlaces: integer("reserved_places").notNull().default(0),
		// JSON array of {id, name, slots}: visits that take several consecutive slots.
		appointmentTypes: text("appointment_types").notNull().default("[]"),
		// Grows with every change of anything a doctor-day depends on, so objects keep only the newest.
		configVersion: integer("config_version").notNull().default(0),
		// Its clinic's closed days close the doctor's days too.
		clinicId: text("clinic_id").references(() => clinics.id),
		createdAt: text("created_at").notNull(),
		updatedAt: text("updated_at").notNull(),
	},
	(t) => [index("doctors_clinic").on(t.clinicId, t.name)],
);

export const scheduleRanges = sqliteTable(
	"schedule_ranges",
	{
		doctorId: text("doctor_id")
			.notNull()
			.references(() => doctors.id, { onDelete: "cascade" }),
		weekday: integer("weekday").notNull(), // 0 = monday … 6 = sunday
		start: text("start").notNull(), // "HH:MM" doctor-local
		end: text("end").notNull(),
		// Places per slot in this range; null: the doctor's capacity.
		capacity: integer("capacity"),
	},
	(t) => [primaryKey({ columns: [t.doctorId, t.weekday, t.start] })],
);

export const unavailability = sqliteTable(
	"unavailability",
	{
		id: text("id").primaryKey(),
		doctorId: text("doctor_id")
			.notNull()
			.references(() => doctors.id, { onDelete: "cascade" }),
		date: text("date").notNull(),
		start: text("start").notNull(),
		end: text("end").notNull(),
		reason: text("reason"),
		createdAt: text("created_at").notNull(),
	},
	(t) => [index("unavailability_doctor_date").on(t.doctorId, t.date)],
);

// A projection of the doctor-day objects, written through their outbox; the objects stay authoritative.
export const appointments = sqliteTable(
	"appointments",
	{
		id: text("id").primaryKey(),
		doctorId: text("doctor_id").notNull(),
		patientId: text("patient_id").notNull(),
		date: text("date").notNull(),
		start: text("start").notNull(),
		status: text("status", { enum: APPOINTMENT_STATUSES }).notNull(),
		// The whole appointment as the API shows it, so listing needs no second source.
		body: text("body").notNull(),
		// The doctor-day version that wrote this row: an older delivery never overwrites a newer one.
		dayVersion: integer("day_version").notNull(),
		bookedBy: text("booked_by").notNull(),
		// Counts the changes of this appointment the projection has taken: the iCalendar SEQUENCE.
		sequence: integer("sequence").notNull().default(0),
	},
	(t) => [
		index("appointments_patient_start").on(t.patientId, t.start),
		index("appointments_doctor_start").on(t.doctorId, t.start),
	],
);

// A projection of the doctor-days' waitlists, for a patient's own list (GET /api/waitlist); the objects
// decide and stay authoritative (accept, decline and leave go to them).
export const waitlistEntries = sqliteTable(
	"waitlist_entries",
	{
		id: text("id").primaryKey(),
		patientId: text("patient_id").notNull(),
		doctorId: text("doctor_id").notNull(),
		date: text("date").notNull(),
		// The slot waited for; null: any slot of the day.
		start: text("start"),
		status: text("status").notNull(),
		body: text("body").notNull(),
		// The day-event seq that first wrote the row (the join): the order of the line within its day.
		joinedSeq: integer("joined_seq").notNull(),
		dayVersion: integer("day_version").notNull(),
	},
	(t) => [
		index("waitlist_entries_patient").on(t.patientId, t.date, t.id),
		index("waitlist_entries_day").on(t.doctorId, t.date, t.status),
	],
);

// One secret calendar feed URL per account; only the token's SHA-256 is kept, so a leaked database
// cannot be turned into feed URLs. A new feed replaces the old one; deleting the row revokes it.
export const calendarFeeds = sqliteTable("calendar_feeds", {
	tokenHash: text("token_hash").primaryKey(),
	userId: text("user_id").notNull().unique(),
	createdAt: text("created_at").notNull(),
});

/** Signed webhooks: an admin's (doctor_id null: every doctor's events) or a doctor's own. */
export const webhooks = sqliteTable(
	"webhooks",
	{
		id: text("id").primaryKey(),
		doctorId: text("doctor_id"),
		url: text("url").notNull(),
		// JSON array of event types, e.g. ["appointment.booked"].
		events: text("events").notNull(),
		secret: text("secret").notNull(),
		createdAt: text("created_at").notNull(),
	},
	(t) => [index("webhooks_doctor").on(t.doctorId)],
);

/** The delivery log: one row per (webhook, day event), updated by the queue consumer at every attempt. */
export const webhookDeliveries = sqliteTable(
	"webhook_deliveries",
	{
		id: text("id").primaryKey(),
		webhookId: text("webhook_id").notNull(),
		event: text("event").notNull(),
		// pending → delivered, or retrying → … → dead (after the last attempt, by the dead-letter queue).
		status: text("status", { enum: ["pending", "retrying", "delivered", "dead"] }).notNull(),
		attempts: integer("attempts").notNull().default(0),
		lastStatusCode: integer("last_status_code"),
		nextAttemptAt: text("next_attempt_at"),
		createdAt: text("created_at").notNull(),
	},
	(t) => [index("webhook_deliveries_webhook").on(t.webhookId, t.createdAt, t.id)],
);

// Family members an account books for. A dependent's id is a patient id on appointments; it carries a MAC of
// its owner's id (src/lib/appointment-ids.ts), so booking checks ownership without reading this table.
export const dependents = sqliteTable(
	"dependents",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id").notNull(),
		name: text("name").notNull(),
		birthDate: text("birth_date"),
		createdAt: text("created_at").notNull(),
		/**
		 * Epoch ms of the owner's removal (null while on the account): the row stays, name and birth date
		 * emptied, so its id is known as removed to every isolate (src/api/token-versions.ts).
		 */
		removedAt: integer("removed_at"),
	},
	(t) => [index("dependents_owner").on(t.ownerId), index("dependents_removed_at").on(t.removedAt)],
);
