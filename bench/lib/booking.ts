// Booking requests, the ledger of what the service acknowledged, and the correctness check run after
// every load: no slot holds more than its capacity, the objects hold exactly the acknowledged bookings
// (give or take requests whose outcome the client never saw), and every 201 reads back.
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { mapLimit } from "../../test-e2e/client";
import type { DoctorDay, Patient } from "./fixtures";
import { api, slotStart } from "./fixtures";
import type { BenchRequest } from "./open-loop";

export const dayKey = (day: Pick<DoctorDay, "doctorId" | "date">) => `${day.doctorId}|${day.date}`;

/** `extra` adds fields to the body (e.g. `hold_id`). */
export function bookingRequest(
	day: DoctorDay,
	slot: number,
	patient: Patient,
	extra: Record<string, unknown> = {},
): BenchRequest {
	return {
		method: "POST",
		path: "/api/appointments",
		// A fresh key per attempt, as the booking page sends: the path real bookings take.
		headers: { authorization: `Bearer ${patient.token}`, "idempotency-key": crypto.randomUUID() },
		body: JSON.stringify({ doctor_id: day.doctorId, start: slotStart(day.date, slot), ...extra }),
		tag: dayKey(day),
	};
}

/** Every acknowledged booking (201) and every booking attempt whose outcome is unknown (no answer, 5xx). */
export class Ledger {
	readonly booked = new Map<string, string[]>();
	readonly unknown = new Map<string, number>();
	/** Ids already read back by an earlier verification. */
	readonly readBack = new Set<string>();

	/**
	 * For closed-loop loads, whose generator drops what is in flight when it stops: counts a request as
	 * unknown until its answer is recorded.
	 */
	sent(tag: string | undefined): void {
		if (tag !== undefined) this.unknown.set(tag, (this.unknown.get(tag) ?? 0) + 1);
	}

	/** Takes back one `sent` of `tag` once its answer has arrived. */
	answered(tag: string | undefined): void {
		if (tag !== undefined) this.unknown.set(tag, (this.unknown.get(tag) ?? 0) - 1);
	}

	/** Records one booking response; `tag` is the request's day key. */
	/** Answers the booking's id when it was a 201 (its caller need not parse the body again), else null. */
	record(tag: string | undefined, status: number, body: string | undefined): string | null {
		if (tag === undefined) return null;
		if (status === 201 && body !== undefined) {
			const id = (JSON.parse(body) as { appointment: { id: string } }).appointment.id;
			const ids = this.booked.get(tag) ?? [];
			ids.push(id);
			this.booked.set(tag, ids);
			return id;
		}
		if (status === 0 || status >= 500) this.unknown.set(tag, (this.unknown.get(tag) ?? 0) + 1);
		return null;
	}

	acknowledged(days: readonly DoctorDay[]): number {
		return days.reduce((n, d) => n + (this.booked.get(dayKey(d))?.length ?? 0), 0);
	}
}

export interface Verification {
	days: number;
	/** 201s for these days. */
	acknowledged: number;
	/** Confirmed places the objects report (sum of `booked` over the days' slots). */
	held: number;
	/** Attempts with no answer or a 5xx: they may or may not have booked. */
	unknown: number;
	/** Slots holding more than their capacity. */
	overCapacity: number;
	/** Days whose held count is below the acknowledged count, or above it by more than its unknown attempts. */
	mismatchedDays: number;
	/** 201 ids read back now (ids read back by an earlier verification are not read again). */
	readBack: number;
	/** 201 ids that did not read back as a confirmed appointment of that doctor-day. */
	unreadable: number;
	ok: boolean;
	seconds: number;
}

interface DayBody {
	slots: Array<{ start: string; capacity: number; booked: number }>;
}

/** Reads every day back (availability) and every acknowledged appointment (GET /api/appointments/:id). */
export async function verify(
	baseUrl: string,
	adminToken: string,
	ledger: Ledger,
	days: readonly DoctorDay[],
	limit = 32,
): Promise<Verification> {
	const started = Date.now();
	let held = 0;
	let overCapacity = 0;
	let mismatchedDays = 0;
	await mapLimit(days.length, limit, async (i) => {
		const day = days[i] as DoctorDay;
		const call = await api(baseUrl, "GET", `/api/doctors/${day.doctorId}/availability/date/${day.date}`);
		if (call.status !== 200)
			throw new Error(`verify: availability ${day.doctorId} ${day.date}: ${call.status}`);
		const body = call.body as DayBody;
		let dayHeld = 0;
		for (const slot of body.slots) {
			dayHeld += slot.booked;
			if (slot.booked > slot.capacity) overCapacity++;
		}
		held += dayHeld;
		const acked = ledger.booked.get(dayKey(day))?.length ?? 0;
		const unknown = ledger.unknown.get(dayKey(day)) ?? 0;
		if (dayHeld < acked || dayHeld > acked + unknown) mismatchedDays++;
	});
	const acknowledged = days.reduce((n, d) => n + (ledger.booked.get(dayKey(d))?.length ?? 0), 0);
	const ids = days.flatMap((d) =>
		(ledger.booked.get(dayKey(d)) ?? [])
			.filter((id) => !ledger.readBack.has(id))
			.map((id) => ({ id, day: d })),
	);
	let unreadable = 0;
	await mapLimit(ids.length, limit, async (i) => {
		const { id, day } = ids[i] as { id: string; day: DoctorDay };
		const call = await api(baseUrl, "GET", `/api/appointments/${encodeURIComponent(id)}`, {
			token: adminToken,
		});
		const a = call.body?.appointment;
		if (
			call.status !== 200 ||
			a?.status !== "confirmed" ||
			a?.doctor_id !== day.doctorId ||
			a?.date !== day.date
		) {
			unreadable++;
		} else ledger.readBack.add(id);
	});
	const unknown = days.reduce((n, d) => n + (ledger.unknown.get(dayKey(d)) ?? 0), 0);
	return {
		days: days.length,
		acknowledged,
		held,
		unknown,
		overCapacity,
		mismatchedDays,
		readBack: ids.length,
		unreadable,
		ok: overCapacity === 0 && mismatchedDays === 0 && unreadable === 0,
		seconds: (Date.now() - started) / 1000,
	};
}

/** A load's last acknowledged booking: whose it is, its date and id. */
export interface LastBooking {
	token: string;
	date: string;
	id: string;
}

/** How `untilListed` reads: how often, and for how long after `since` at most. */
export interface ListedPolling {
	pollMs: number;
	boundMs: number;
}

/**
 * Reads the patient's `GET /api/appointments` for `last`'s date until it lists `last`: the ms from `since`
 * (performance.now()) to the answer that did (null if none within the bound), and each read's round trip.
 * The list reads D1's projection, which the day writes after it answered.
 */
export async function untilListed(
	baseUrl: string,
	last: LastBooking,
	since: number,
	polling: ListedPolling,
): Promise<{ listedAfterMs: number | null; reads: number[] }> {
	const path = `/api/appointments?from=${last.date}&to=${last.date}`;
	const reads: number[] = [];
	for (;;) {
		const sent = performance.now();
		const call = await api(baseUrl, "GET", path, { token: last.token });
		const now = performance.now();
		reads.push(now - sent);
		if (call.status !== 200) throw new Error(`GET /api/appointments: ${call.status}`);
		if ((call.body.appointments as Array<{ id: string }>).some((a) => a.id === last.id))
			return { listedAfterMs: now - since, reads };
		if (now - since > polling.boundMs) return { listedAfterMs: null, reads };
		await new Promise((resolve) => setTimeout(resolve, polling.pollMs));
	}
}

/** Where a log file ends now: a load's own lines are the ones written after it. */
export function logOffset(logFile: string): number {
	return statSync(logFile).size;
}

/**
 * The service's own time for each booking it confirmed after `from` (bytes into `logFile`): the
 * `duration_ms` of its `consultation_scheduled` lines, from the booking handler's start to its answer, by
 * appointment id.
 */
export function handlerTimes(logFile: string, from: number): Map<string, number> {
	const fd = openSync(logFile, "r");
	let text: string;
	try {
		const length = Math.max(0, fstatSync(fd).size - from);
		const buffer = Buffer.alloc(length);
		readSync(fd, buffer, 0, length, from);
		text = buffer.toString("utf8");
	} finally {
		closeSync(fd);
	}
	const times = new Map<string, number>();
	for (const line of text.split("\n")) {
		if (!line.includes('"consultation_scheduled"')) continue;
		try {
			const entry = JSON.parse(line) as { event?: string; appointment_id?: string; duration_ms?: number };
			if (entry.event === "consultation_scheduled" && entry.appointment_id && entry.duration_ms !== undefined)
				times.set(entry.appointment_id, entry.duration_ms);
		} catch {}
	}
	return times;
}

/** The slowest 1% of a load's 201s: their mean latency, and the part of it outside the booking handler. */
export interface SlowestBookings {
	n: number;
	latencyMs: number;
	outsideMs: number;
}

/**
 * `latencies`: each 201's latency as its client saw it, by appointment id; `handler`: the service's own
 * time for each. What is left is the network and the runtime's queues (before the handler started, or after
 * it answered). Null when no 201 has both.
 */
export function slowestBookings(
	latencies: ReadonlyMap<string, number>,
	handler: ReadonlyMap<string, number>,
): SlowestBookings | null {
	const both = [...latencies]
		.flatMap(([id, latency]) => {
			const own = handler.get(id);
			return own === undefined ? [] : [{ latency, outside: latency - own }];
		})
		.sort((a, b) => b.latency - a.latency);
	const slowest = both.slice(0, Math.ceil(both.length / 100));
	if (slowest.length === 0) return null;
	const mean = (pick: (s: { latency: number; outside: number }) => number) =>
		slowest.reduce((sum, s) => sum + pick(s), 0) / slowest.length;
	return { n: slowest.length, latencyMs: mean((s) => s.latency), outsideMs: mean((s) => s.outside) };
}
