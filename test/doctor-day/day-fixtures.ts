// The object tests' day: a doctor of its own four days ahead (09:00–12:00, one place a slot), a booking by a
// patient of its own, and the day's object with the config pushed to it, as the Doctor object does.
import { env } from "cloudflare:test";
import type { DayConfig } from "../../src/core/day-config";
import type { BookRequest } from "../../src/doctor-day/results";
import { doctorDay } from "../../src/doctor-day/stub";
import { at, inDays, unique } from "../helpers";

export const dayConfig = (overrides: Partial<DayConfig> = {}): DayConfig => ({
	doctorId: unique("dr"),
	date: inDays(4),
	version: 1,
	timezone: "UTC",
	isAvailable: true,
	isApproved: true,
	slotMinutes: 30,
	capacity: 1,
	horizonDays: 60,
	ranges: [{ start: "09:00", end: "12:00" }],
	blocks: [],
	...overrides,
});

export function bookRequest(day: DayConfig, time: string, overrides: Partial<BookRequest> = {}): BookRequest {
	const patientId = overrides.patientId ?? unique("p");
	return {
		patientId,
		bookedBy: patientId,
		start: Date.parse(at(day.date, time)),
		consultationMode: "in_person",
		reason: null,
		idempotencyKey: null,
		...overrides,
	};
}

export async function pushed(day: DayConfig) {
	const stub = doctorDay(env, day.doctorId, day.date);
	await stub.applyConfig(day);
	return stub;
}
