// What the doctor-day object answers over RPC: plain values, because RPC drops an error's own fields.
import type { Actor, Appointment, AppointmentRequest } from "../core/appointment";
import type { DaySummary, RefusalCode, SlotStatus, SlotView } from "../core/booking";

export interface DayAvailability extends DaySummary {
	doctor_id: string;
	date: string;
	timezone: string | null;
	version: number;
	slots: SlotView[];
}

export interface SlotCheck {
	available: boolean;
	status: SlotStatus | null;
	remaining: number;
	capacity: number;
	code?: RefusalCode;
}

export interface BookRequest extends AppointmentRequest {
	bookedBy: string;
	idempotencyKey: string | null;
}

export type BookResult =
	| { ok: true; appointment: Appointment; replayed: boolean; version: number }
	| { ok: false; code: RefusalCode; booked: number; capacity: number; sameDayAlternatives: SlotView[] }
	| { ok: false; code: "IDEMPOTENCY_KEY_REUSED"; appointment: Appointment };

export type CancelResult =
	| { ok: true; appointment: Appointment; changed: boolean }
	| { ok: false; code: "APPOINTMENT_NOT_FOUND" | "FORBIDDEN" | "SLOT_IN_PAST" };

export interface ConfigApplied {
	version: number;
	affected: Appointment[];
}

export type { Actor };
