// Test helpers: call the Worker like a client, and make doctors and patients with their own ids.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { issueToken } from "../src/api/auth";
import { allWeek, type Call, readCall, unique } from "./fixtures";

export type { Call } from "./fixtures";
export { allWeek, at, inDays, unique } from "./fixtures";

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

/** The id with its last character changed, so its signature no longer matches (never the id itself). */
export function tampered(id: string): string {
	return `${id.slice(0, -1)}${id.endsWith("0") ? "1" : "0"}`;
}

export function bearer(token: string) {
	return { authorization: `Bearer ${token}` };
}

/** One request through the Worker's fetch handler, answering the parsed JSON. */
export async function api(
	method: string,
	path: string,
	options: { body?: unknown; headers?: Record<string, string>; raw?: BodyInit } = {},
): Promise<Call> {
	const headers: Record<string, string> = { ...options.headers };
	let body: BodyInit | undefined = options.raw;
	if (options.body !== undefined) {
		headers["content-type"] ??= "application/json";
		body = JSON.stringify(options.body);
	}
	const response = await exports.default.fetch(
		new Request(`http://docslot.test${path}`, { method, headers, body }),
	);
	return readCall(response);
}

export interface TestDoctor {
	id: string;
	token: string;
	email: string;
}

/** A new approved doctor with a schedule (UTC, 09:00–17:00 every day unless overridden) and a login. */
export async function createDoctor(
	schedule: Record<string, unknown> = {},
	fields: Record<string, unknown> = {},
) {
	const email = `${unique("dr")}@docslot.test`;
	const created = await api("POST", "/api/doctors", {
		headers: ADMIN,
		body: { name: "Dr. Test", email, password: "doctor-pass-123", specialty: "Testing", ...fields },
	});
	if (created.status !== 201)
		throw new Error(`createDoctor: ${created.status} ${JSON.stringify(created.body)}`);
	const id = created.body.doctor.id as string;
	const put = await api("PUT", `/api/doctors/${id}/schedule`, {
		headers: ADMIN,
		body: { timezone: "UTC", weekly: allWeek([{ start: "09:00", end: "17:00" }]), ...schedule },
	});
	if (put.status !== 200) throw new Error(`schedule: ${put.status} ${JSON.stringify(put.body)}`);
	const login = await api("POST", "/api/auth/login", { body: { email, password: "doctor-pass-123" } });
	return { id, email, token: login.body.token as string } satisfies TestDoctor;
}

export interface TestPatient {
	id: string;
	token: string;
}

/** Patients written straight to D1 with signed tokens: registering hundreds would mostly test PBKDF2. */
export async function createPatients(count: number): Promise<TestPatient[]> {
	const now = new Date().toISOString();
	const patients = Array.from({ length: count }, () => ({ id: unique("p") }));
	const insert = env.DB.prepare(
		"INSERT INTO users (id, email, name, role, password_hash, doctor_id, created_at) VALUES (?, ?, ?, 'patient', 'x', NULL, ?)",
	);
	await env.DB.batch(patients.map((p) => insert.bind(p.id, `${p.id}@docslot.test`, "Test Patient", now)));
	return Promise.all(
		patients.map(async (p) => ({
			id: p.id,
			token: await issueToken({ userId: p.id, role: "patient", doctorId: null }, env.AUTH_SECRET),
		})),
	);
}

export async function createPatient(): Promise<TestPatient> {
	const [patient] = await createPatients(1);
	return patient as TestPatient;
}

/** The path that opens a doctor's live feed, with a fresh single-use ticket asked for with `headers`. */
export async function doctorFeedPath(doctorId: string, headers: Record<string, string>): Promise<string> {
	const call = await api("POST", "/api/live-tickets", {
		headers,
		body: { channel: "doctor", doctor_id: doctorId },
	});
	if (call.status !== 200) throw new Error(`live ticket: ${call.status} ${JSON.stringify(call.body)}`);
	return `/api/doctors/${doctorId}/live?ticket=${call.body.ticket}`;
}

/**
 * Runs `burst` again, which must use fresh keys, if it straddled a minute boundary: the local rate limiter
 * counts in wall-clock minutes, so a straddling burst would see two budgets.
 */
export async function inOneWindow<T>(burst: () => Promise<T>): Promise<T> {
	for (;;) {
		const minute = Math.floor(Date.now() / 60_000);
		const result = await burst();
		if (Math.floor(Date.now() / 60_000) === minute) return result;
	}
}

/** Waits (bounded) until `check` holds: the appointment list (D1) is filled by events after each answer. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
	const until = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > until) throw new Error("timed out waiting for the appointment list");
		await scheduler.wait(10);
	}
}

/** Whether D1's appointment list (the projection, filled after each answer) holds `count` of this patient's. */
export async function projected(patientId: string, count: number): Promise<boolean> {
	const row = await env.DB.prepare("SELECT count(*) AS n FROM appointments WHERE patient_id = ?")
		.bind(patientId)
		.first<{ n: number }>();
	return row?.n === count;
}
