// The pure tests' day: a Monday in UTC, "now" five days before it, and builders of a day's config and of the
// booking decider's state and command, each with overrides, so that every table says only what it varies.
import type { Appointment } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import type { BookCommand, BookState } from "../../src/core/day-decider";

export const DATE = "2027-03-15"; // a Monday
export const NOW = Date.parse("2027-03-10T12:00:00.000Z");
export const MINUTE = 60_000;
export const ms = (time: string, date = DATE) => Date.parse(`${date}T${time}:00.000Z`);
export const iso = (at: number) => new Date(at).toISOString();

/** 09:00–10:00 in 30-minute slots of one place each. */
export const dayConfig = (overrides: Partial<DayConfig> = {}): DayConfig => ({
	doctorId: "dr",
	date: DATE,
	version: 1,
	timezone: "UTC",
	isAvailable: true,
	isApproved: true,
	slotMinutes: 30,
	capacity: 1,
	horizonDays: 30,
	ranges: [{ start: "09:00", end: "10:00" }],
	blocks: [],
	...overrides,
});

/** Nothing booked, held or keyed yet. */
export const bookState = (config: DayConfig, overrides: Partial<BookState> = {}): BookState => ({
	config,
	booked: new Map(),
	keyed: null,
	patientHoldsSlot: false,
	patientPlaces: 0,
	dayBookings: 0,
	holds: [],
	hold: null,
	holdAppointment: null,
	slotChangedAt: 0,
	...overrides,
});

/** Patient p1 books 09:00 for themselves, in person. */
export const bookCommand = (overrides: Partial<BookCommand> = {}): BookCommand => ({
	id: `dr.${DATE}.new`,
	patientId: "p1",
	bookedBy: "p1",
	start: ms("09:00"),
	consultationMode: "in_person",
	reason: null,
	idempotencyKey: null,
	...overrides,
});

/** Patient p1's confirmed in-person visit with dr-a at 09:30 on DATE. */
export const APPOINTMENT: Appointment = {
	id: "dr-a.2027-03-15.abc12345",
	doctor_id: "dr-a",
	patient_id: "p1",
	date: DATE,
	time: "09:30",
	start: "2027-03-15T09:30:00.000Z",
	end: "2027-03-15T10:00:00.000Z",
	status: "confirmed",
	consultation_mode: "in_person",
	reason: null,
	created_at: "2027-03-01T00:00:00.000Z",
	cancelled_at: null,
};
