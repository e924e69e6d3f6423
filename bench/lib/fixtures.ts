// Doctors, doctor-days and patient tokens for the scenarios.
import { sign } from "hono/jwt";
import {
	allWeek,
	type Call,
	type CallOptions,
	type Ctx,
	api as callApi,
	inDays,
	mapLimit,
	unique,
} from "../../test-e2e/client";

// Locally the runtime drops some requests sent on a reused keep-alive connection while it is busy (seen
// during schedule pushes to 61 days: "socket hang up", "other side closed"; fresh connections never were).
// So the bench's own requests each take a fresh connection; through wrangler dev the drop happens behind its
// proxy, which answers a POST with 503 "Your worker restarted mid-request" (and repeats GETs itself).

/** One request on a fresh connection, sent once: for requests that must not be repeated. */
export function apiOnce(
	baseUrl: string,
	method: string,
	path: string,
	options: CallOptions = {},
): Promise<Call> {
	return callApi(baseUrl, method, path, { ...options, headers: { ...options.headers, connection: "close" } });
}

function dropped(call: Call): boolean {
	return call.status === 503 && JSON.stringify(call.body).includes("restarted mid-request");
}

/** Whether the service closed the connection without answering. */
function connectionLost(error: unknown): boolean {
	const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
	return code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}

/** One request on a fresh connection, sent again (3 times in all) if it was dropped: only repeatable ones. */
export async function api(
	baseUrl: string,
	method: string,
	path: string,
	options: CallOptions = {},
): Promise<Call> {
	for (let tries = 1; ; tries++) {
		try {
			const call = await apiOnce(baseUrl, method, path, options);
			if (tries >= 3 || !dropped(call)) return call;
		} catch (error) {
			if (tries >= 3 || !connectionLost(error)) throw error;
		}
	}
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

// Each inbox opened keeps its User object, and its SQLite database, in memory for about 10 s; past about
// 2,600 open databases the local workerd answers SQLITE_NOMEM, which a burst of 3,000 reaches.
const INBOXES_PER_S = 150;

/**
 * Gives each patient the User object a registration gives an account (its inbox), as a returning patient
 * has: otherwise every booking's notification would also create its patient's object and storage.
 */
export async function openInboxes(baseUrl: string, patients: readonly Patient[], limit = 16): Promise<void> {
	const started = performance.now();
	await mapLimit(patients.length, limit, async (i) => {
		const wait = started + (i * 1000) / INBOXES_PER_S - performance.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		const patient = patients[i] as Patient;
		const call = await api(baseUrl, "GET", "/api/notifications?limit=1", {
			headers: { authorization: `Bearer ${patient.token}` },
		});
		if (call.status !== 200) throw new Error(`inbox of ${patient.id}: ${call.status}`);
	});
}

export interface Patient {
	id: string;
	token: string;
}

export interface BenchDoctor {
	id: string;
	capacity: number;
	/** The doctor's login (`loginDoctor`), for the scenarios that act as the doctor. */
	email: string;
}

const DOCTOR_PASSWORD = "doctor-pass-123";

/**
 * An approved doctor with the all-day UTC schedule (no login: the bench books as patients); `schedule`
 * adds fields to the schedule (e.g. `hold_seconds`).
 */
async function createDoctor(
	ctx: Ctx,
	capacity: number,
	schedule: Record<string, unknown> = {},
): Promise<BenchDoctor> {
	const expect = (what: string, call: Call, status: number) => {
		if (call.status !== status) throw new Error(`${what}: ${call.status} ${JSON.stringify(call.body)}`);
	};
	const email = `${unique("bench-dr")}@docslot.test`;
	// A dropped POST may have created a doctor nobody uses; harmless.
	const created = await api(ctx.baseUrl, "POST", "/api/doctors", {
		token: ctx.adminToken,
		body: {
			name: "Dr. Bench",
			email,
			password: DOCTOR_PASSWORD,
			specialty: "Bench",
		},
	});
	expect("POST /api/doctors", created, 201);
	const id = created.body.doctor.id as string;
	const put = await api(ctx.baseUrl, "PUT", `/api/doctors/${id}/schedule`, {
		token: ctx.adminToken,
		body: {
			timezone: "UTC",
			capacity,
			slot_minutes: SLOT_MINUTES,
			weekly: allWeek([{ start: DAY_START, end: DAY_END }]),
			...schedule,
		},
	});
	expect("PUT schedule", put, 200);
	return { id, capacity, email };
}

/** `n` doctors with the all-day UTC schedule, `limit` created at a time (each hashes a password). */
export function createDoctors(
	ctx: Ctx,
	n: number,
	capacity: number,
	limit = 4,
	schedule: Record<string, unknown> = {},
): Promise<BenchDoctor[]> {
	return mapLimit(n, limit, () => createDoctor(ctx, capacity, schedule));
}

/** The doctor's own bearer token (one login: a password hash). */
export async function loginDoctor(baseUrl: string, doctor: BenchDoctor): Promise<string> {
	const call = await api(baseUrl, "POST", "/api/auth/login", {
		body: { email: doctor.email, password: DOCTOR_PASSWORD },
	});
	if (call.status !== 200)
		throw new Error(`login ${doctor.email}: ${call.status} ${JSON.stringify(call.body)}`);
	return call.body.token as string;
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
