// A deliberately simple, sequential model of one doctor-day, written without src/core so it can catch it:
// UTC only, whole-minute slots, a list of appointments and the newest config seen. The model-based tests
// run the real DoctorDay object and this model side by side and compare them after every step.
import { type DayConfig, DEFAULT_MAX_PER_PATIENT } from "../../src/core/day-config";
import type { BookRequest } from "../../src/doctor-day/results";

export const MINUTE = 60_000;

export type Status = "confirmed" | "cancelled";

export interface ModelAppointment {
	id: string;
	patientId: string;
	bookedBy: string;
	key: string | null;
	start: number; // epoch ms
	mode: string;
	reason: string | null;
	status: Status;
}

export interface ModelSlot {
	start: string;
	end: string;
	time: string;
	capacity: number;
	booked: number;
	held: number;
	remaining: number;
	status: "available" | "full" | "unavailable";
}

export interface ModelView {
	/** The model has no clinics, so no day is ever closed as a whole. */
	closed: "clinic" | null;
	total_slots: number;
	available_count: number;
	booked_count: number;
	slots: ModelSlot[];
}

export type CancelActor = { userId: string; role: "admin" | "doctor" | "patient"; doctorId: string | null };

/** What the model says one command must answer; `check` in the tests matches it against the object. */
export type Expected =
	| { kind: "booked"; request: BookRequest; capacity: number }
	| { kind: "replayed"; appointment: ModelAppointment }
	| { kind: "key-reused"; appointment: ModelAppointment }
	| { kind: "refused"; code: string; booked: number; capacity: number; alternatives: ModelSlot[] }
	| { kind: "cancelled"; id: string; changed: boolean }
	| { kind: "cancel-refused"; code: "APPOINTMENT_NOT_FOUND" | "FORBIDDEN" }
	| { kind: "config"; adopted: boolean; affected: string[] }
	| { kind: "view"; view: ModelView }
	| { kind: "check"; available: boolean; code: string | undefined; status: string | null; remaining: number };

const pad = (n: number) => String(n).padStart(2, "0");
const clock = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const minutesOf = (hhmm: string) =>
	hhmm === "24:00" ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

export class DayModel {
	config: DayConfig | null = null;
	appointments: ModelAppointment[] = [];
	/** Per slot start: the capacity in force when its latest booking was taken (a later decrease may leave it over). */
	capacityAtLastBooking = new Map<number, number>();
	/** Changes committed so far: config adoptions, new bookings, first cancellations. */
	changes = 0;

	clone(): DayModel {
		const copy = new DayModel();
		copy.config = this.config;
		copy.appointments = this.appointments.map((a) => ({ ...a }));
		copy.capacityAtLastBooking = new Map(this.capacityAtLastBooking);
		copy.changes = this.changes;
		return copy;
	}

	private get midnight(): number {
		return Date.parse(`${this.config?.date}T00:00:00.000Z`);
	}

	/** Keeps `pushed` if it is newer than the config held; an adoption is a change. */
	adopt(pushed: DayConfig | null): boolean {
		if (pushed === null || (this.config !== null && this.config.version >= pushed.version)) return false;
		this.config = pushed;
		this.changes += 1;
		return true;
	}

	/** Slot starts (minutes after midnight UTC) the schedule cuts the day into, open or not. */
	private slotMinutes(): number[] {
		const config = this.config;
		if (config === null) return [];
		const starts: number[] = [];
		for (const range of config.ranges) {
			for (
				let t = minutesOf(range.start);
				t + config.slotMinutes <= minutesOf(range.end);
				t += config.slotMinutes
			)
				starts.push(t);
		}
		return starts.sort((a, b) => a - b);
	}

	private blocked(startMinute: number): boolean {
		const config = this.config;
		if (config === null) return false;
		const end = startMinute + config.slotMinutes;
		return config.blocks.some((b) => startMinute < minutesOf(b.end) && minutesOf(b.start) < end);
	}

	private bookable(): boolean {
		return this.config?.isApproved === true && this.config.isAvailable;
	}

	count(start: number): number {
		return this.appointments.filter((a) => a.start === start && a.status === "confirmed").length;
	}

	view(): ModelView {
		const config = this.config;
		// The tests use dates a few days ahead, inside the horizon, so no slot is past and only ranges decide.
		const starts = config === null || config.ranges.length === 0 ? [] : this.slotMinutes();
		const slots = starts.map((minute): ModelSlot => {
			const capacity = config?.capacity ?? 0;
			const start = this.midnight + minute * MINUTE;
			const booked = this.count(start);
			let status: ModelSlot["status"] = "available";
			if (!this.bookable() || this.blocked(minute)) status = "unavailable";
			else if (booked >= capacity) status = "full";
			return {
				start: new Date(start).toISOString(),
				end: new Date(start + (config?.slotMinutes ?? 0) * MINUTE).toISOString(),
				time: clock(minute),
				capacity,
				booked,
				held: 0, // this model books without holds; holds have their own model test
				remaining: Math.max(0, capacity - booked),
				status,
			};
		});
		return {
			closed: null,
			total_slots: slots.length,
			available_count: slots.filter((s) => s.status === "available").length,
			booked_count: slots.filter((s) => s.status === "full").length,
			slots,
		};
	}

	/** The refusal code for one more place at `start`, in the documented order, or null when it can be taken. */
	private refusal(start: number, patientId: string | null): string | null {
		const config = this.config;
		if (config === null) return "DAY_UNAVAILABLE";
		if (!this.bookable()) return "DOCTOR_UNAVAILABLE";
		if (config.ranges.length === 0) return "DAY_UNAVAILABLE";
		const minute = (start - this.midnight) / MINUTE;
		if (!this.slotMinutes().includes(minute)) return "SLOT_NOT_FOUND";
		if (this.blocked(minute)) return "SLOT_UNAVAILABLE";
		if (
			patientId !== null &&
			this.appointments.some(
				(a) => a.patientId === patientId && a.start === start && a.status === "confirmed",
			)
		)
			return "ALREADY_BOOKED";
		if (this.count(start) >= config.capacity) return "SLOT_FULL";
		return null;
	}

	/** `newId` is the id the object gave, used only if the model agrees a new appointment is made. */
	book(_where: DayConfig, request: BookRequest, newId: string): Expected {
		// Only pushes (applyConfig) change the config: bookings, reads and checks use the one held.
		if (request.idempotencyKey !== null) {
			const earlier = this.appointments.find(
				(a) => a.bookedBy === request.bookedBy && a.key === request.idempotencyKey,
			);
			if (earlier !== undefined) {
				const same =
					earlier.patientId === request.patientId &&
					earlier.start === request.start &&
					earlier.mode === request.consultationMode &&
					earlier.reason === request.reason;
				return { kind: same ? "replayed" : "key-reused", appointment: { ...earlier } };
			}
		}
		const capacity = this.config?.capacity ?? 0;
		const held = this.appointments.filter(
			(a) => a.patientId === request.patientId && a.status === "confirmed",
		);
		const overLimit =
			request.bookedBy === request.patientId &&
			held.length >= (this.config?.maxPerPatient ?? DEFAULT_MAX_PER_PATIENT);
		const code = this.refusal(request.start, request.patientId) ?? (overLimit ? "PATIENT_DAY_LIMIT" : null);
		if (code !== null) {
			const alternatives = this.view().slots.filter((s) => s.status === "available");
			return { kind: "refused", code, booked: this.count(request.start), capacity, alternatives };
		}
		this.appointments.push({
			id: newId,
			patientId: request.patientId,
			bookedBy: request.bookedBy,
			key: request.idempotencyKey,
			start: request.start,
			mode: request.consultationMode,
			reason: request.reason,
			status: "confirmed",
		});
		this.capacityAtLastBooking.set(request.start, capacity);
		this.changes += 1;
		return { kind: "booked", request, capacity };
	}

	cancel(id: string, actor: CancelActor): Expected {
		const appointment = this.appointments.find((a) => a.id === id);
		if (appointment === undefined) return { kind: "cancel-refused", code: "APPOINTMENT_NOT_FOUND" };
		const allowed =
			actor.role === "admin" ||
			(actor.role === "doctor" && actor.doctorId === this.config?.doctorId) ||
			(actor.role === "patient" && actor.userId === appointment.patientId);
		if (!allowed) return { kind: "cancel-refused", code: "FORBIDDEN" };
		if (appointment.status === "cancelled") return { kind: "cancelled", id, changed: false };
		appointment.status = "cancelled";
		this.changes += 1;
		return { kind: "cancelled", id, changed: true };
	}

	/**
	 * A pushed schedule or unavailability change: adopted if newer; lists the bookings it leaves outside the
	 * schedule, and in each slot still offered those beyond a lowered capacity (the latest made); cancels none.
	 */
	applyConfig(pushed: DayConfig): Expected {
		const adopted = this.adopt(pushed);
		const starts = new Set(this.slotMinutes());
		const capacity = this.config?.capacity ?? 0;
		const placesTaken = new Map<number, number>();
		const affected = this.appointments
			.filter((a) => a.status === "confirmed")
			.filter((a) => {
				const minute = (a.start - this.midnight) / MINUTE;
				if (!starts.has(minute) || this.blocked(minute)) return true;
				const place = (placesTaken.get(a.start) ?? 0) + 1;
				placesTaken.set(a.start, place);
				return place > capacity;
			})
			.map((a) => a.id)
			.sort();
		return { kind: "config", adopted, affected };
	}

	read(_where: DayConfig): Expected {
		return { kind: "view", view: this.view() };
	}

	check(_where: DayConfig, start: number): Expected {
		const code = this.refusal(start, null);
		const slot = this.view().slots.find((s) => Date.parse(s.start) === start);
		return {
			kind: "check",
			available: code === null,
			code: code ?? undefined,
			status: slot?.status ?? null,
			remaining: slot?.remaining ?? 0,
		};
	}
}
