// Doctors, doctor-days and patient tokens for the scenarios.
import { sign } from "hono/jwt";
import {
	allWeek,
	type Call,
	type Ctx,
	api as callOnce,
	createDoctor,
	inDays,
	mapLimit,
} from "../../test-e2e/client";

/**
 * Whether the service closed the connection without answering. Seen on workerd under load: a request sent
 * while long ones (schedule pushes to 61 days) run may get its connection closed when they finish.
 */
export function connectionLost(error: unknown): boolean {
	const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
	return code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}

/** Runs `attempt` again (up to 3 times in all) when the connection was lost; only for repeatable requests. */
export async function retryLost<T>(attempt: () => Promise<T>): Promise<T> {
	for (let tries = 1; ; tries++) {
		try {
			return await attempt();
		} catch (error) {
			if (tries >= 3 || !connectionLost(error)) throw error;
		}
	}
}

/** test-e2e's `api`, repeated when the connection was lost: for reads and other repeatable requests. */
export function api(...args: Parameters<typeof callOnce>): Promise<Call> {
	return retryLost(() => callOnce(...args));
}

const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
/** A typical day: 09:00–17:00 UTC in 30-minute slots, every day of the week (16 slots). */
export const DAY_START = "09:00";
export const DAY_END = "17:00";
export const SLOT_MINUTES = 30;
export const SLOTS_PER_DAY = 16;

/**
 * Patient tokens signed like the service's own (HS256, `{sub, role, doctor_id, iat, exp}`) with its
 * AUTH_SECRET. A patient booking for themself is never looked up in D1 (src/api/appointments.ts,
 * patientFor), so no registration (100k PBKDF2 iterations each) is needed.
 */
export async function mintPatients(secret: string, n: number, prefix = "bench-patient"): Promise<Patient[]> {
	const iat = Math.floor(Date.now() / 1000);
	return Promise.all(
		Array.from({ length: n }, async (_, i) => {
			const id = `${prefix}-${i}`;
			const token = await sign(
				{ sub: id, role: "patient", doctor_id: null, iat, exp: iat + TOKEN_TTL_SECONDS },
				secret,
				"HS256",
			);
			return { id, token };
		}),
	);
}

export interface Patient {
	id: string;
	token: string;
}

export interface BenchDoctor {
	id: string;
	capacity: number;
}

/** `n` doctors with the all-day UTC schedule, `limit` created at a time (each hashes a password). */
export async function createDoctors(
	ctx: Ctx,
	n: number,
	capacity: number,
	limit = 4,
): Promise<BenchDoctor[]> {
	return mapLimit(n, limit, async () => {
		// A lost attempt may leave an unused doctor behind; harmless.
		const doctor = await retryLost(() =>
			createDoctor(ctx, {
				capacity,
				slot_minutes: SLOT_MINUTES,
				weekly: allWeek([{ start: DAY_START, end: DAY_END }]),
			}),
		);
		return { id: doctor.id, capacity };
	});
}

export interface DoctorDay {
	doctorId: string;
	date: string;
	capacity: number;
}

/**
 * Doctor-days from `firstDay` (days from today, UTC) on: `perDoctor` consecutive dates of each doctor.
 * Tomorrow onwards, so no slot is in the past during a run.
 */
export function doctorDays(doctors: readonly BenchDoctor[], perDoctor: number, firstDay = 1): DoctorDay[] {
	return doctors.flatMap((d) =>
		Array.from({ length: perDoctor }, (_, k) => ({
			doctorId: d.id,
			date: inDays(firstDay + k),
			capacity: d.capacity,
		})),
	);
}

/** The UTC start of slot `index` (0 … SLOTS_PER_DAY-1) of a date. */
export function slotStart(date: string, index: number): string {
	return new Date(Date.parse(`${date}T${DAY_START}:00.000Z`) + index * SLOT_MINUTES * 60_000).toISOString();
}

/** A deterministic pseudo-random generator (mulberry32), so a run's request mix can be repeated. */
export function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Touches each doctor-day once (a day availability read), so its object is running before a load. */
export async function warm(baseUrl: string, days: readonly DoctorDay[], limit = 16): Promise<void> {
	await mapLimit(days.length, limit, async (i) => {
		const day = days[i] as DoctorDay;
		const call = await api(baseUrl, "GET", `/api/doctors/${day.doctorId}/availability/date/${day.date}`);
		if (call.status !== 200) throw new Error(`warm ${day.doctorId} ${day.date}: ${call.status}`);
	});
}
