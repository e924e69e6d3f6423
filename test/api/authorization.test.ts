// Who may do what, endpoint by endpoint and caller by caller: nobody reads, cancels or edits what is not
// theirs, and a refused request changes nothing.
import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import {
	ADMIN,
	allWeek,
	api,
	at,
	bearer,
	type Call,
	createDoctor,
	createPatients,
	inDays,
	type TestDoctor,
	type TestPatient,
	unique,
} from "../helpers";

const SIGNED_OUT = ["anonymous", "bad token", "forged token", "expired token", "unsigned token"] as const;
const SIGNED_IN = ["patient A", "patient B", "doctor A", "doctor B", "unapproved doctor", "admin"] as const;
type ActorName = (typeof SIGNED_OUT)[number] | (typeof SIGNED_IN)[number];

interface World {
	doctorA: TestDoctor;
	doctorB: TestDoctor;
	hiddenDoctor: TestDoctor;
	patientA: TestPatient;
	patientB: TestPatient;
	/** Patient A with doctor A, confirmed for the whole file. */
	appointmentId: string;
	/** Doctor A's block, present for the whole file. */
	blockId: string;
	headers: Record<ActorName, Record<string, string>>;
}

/** The day of the fixtures; a refused booking aims at its free 11:00 slot. */
const DAY = inDays(3);
/** Bookings that succeed take consecutive slots of this day. */
const BOOKING_DAY = inDays(4);
/** Blocks that succeed go on this day. */
const BLOCK_DAY = inDays(5);
const BASE_SCHEDULE = { timezone: "UTC", weekly: allWeek([{ start: "09:00", end: "17:00" }]) };

let world: World;
let nextSlot = 0;
let nextBlock = 0;

/** A free slot start on BOOKING_DAY, a new one each call. */
function freeSlot(): string {
	const minutes = 9 * 60 + 30 * nextSlot;
	nextSlot += 1;
	const time = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
	return at(BOOKING_DAY, time);
}

/** A free half hour on BLOCK_DAY, a new one each call. */
function freeHalfHour(): { start: string; end: string } {
	const hour = String(9 + nextBlock).padStart(2, "0");
	nextBlock += 1;
	return { start: `${hour}:00`, end: `${hour}:30` };
}

function expectStatus(call: Call, status: number) {
	expect(call.status, JSON.stringify(call.body)).toBe(status);
}

/** Patient A's new appointment with doctor A, booked by an admin: a fresh one to cancel. */
async function freshAppointment(w: World): Promise<string> {
	const booked = await api("POST", "/api/appointments", {
		headers: ADMIN,
		body: { doctor_id: w.doctorA.id, start: freeSlot(), patient_id: w.patientA.id },
	});
	expectStatus(booked, 201);
	return booked.body.appointment.id as string;
}

/** A new block of doctor A, made by an admin: a fresh one to delete. */
async function freshBlock(w: World): Promise<string> {
	const created = await api("POST", `/api/doctors/${w.doctorA.id}/unavailability`, {
		headers: ADMIN,
		body: { date: BLOCK_DAY, ...freeHalfHour(), reason: "to delete" },
	});
	expectStatus(created, 201);
	return created.body.unavailability.id as string;
}

async function blocksOf(doctorId: string): Promise<Array<{ id: string }>> {
	const list = await api("GET", `/api/doctors/${doctorId}/unavailability`, { headers: ADMIN });
	expectStatus(list, 200);
	return list.body.unavailability;
}

/** Everything a caller could have touched, read by an admin. */
async function snapshot(w: World) {
	const read = async (path: string) => {
		const call = await api("GET", path, { headers: ADMIN });
		expectStatus(call, 200);
		return call.body;
	};
	const [doctors, doctorA, doctorB, scheduleA, scheduleB, blocksA, blocksB, appointments, appointment, day] =
		await Promise.all([
			read("/api/doctors"),
			read(`/api/doctors/${w.doctorA.id}`),
			read(`/api/doctors/${w.doctorB.id}`),
			read(`/api/doctors/${w.doctorA.id}/schedule`),
			read(`/api/doctors/${w.doctorB.id}/schedule`),
			read(`/api/doctors/${w.doctorA.id}/unavailability`),
			read(`/api/doctors/${w.doctorB.id}/unavailability`),
			read("/api/appointments"),
			read(`/api/appointments/${w.appointmentId}`),
			read(`/api/doctors/${w.doctorA.id}/availability/date/${DAY}`),
		]);
	return {
		doctors,
		doctorA,
		doctorB,
		scheduleA,
		scheduleB,
		blocksA,
		blocksB,
		appointments,
		appointment,
		day,
	};
}

interface Case {
	name: string;
	actor: ActorName;
	method: string;
	path: (w: World, fresh: string) => string;
	body?: (w: World, fresh: string) => unknown;
	/** Makes a resource just for this case (its id is `fresh`), so a success does not spend the fixtures. */
	fresh?: (w: World) => Promise<string>;
	status: number;
	code?: string;
	check?: Check;
}

type Check = (call: Call, w: World, fresh: string) => void | Promise<void>;

interface Endpoint {
	method: string;
	path: (w: World, fresh: string) => string;
	body?: (w: World, fresh: string) => unknown;
	fresh?: (w: World) => Promise<string>;
}

type Row = Partial<Omit<Case, "name" | "actor" | "status">> & {
	actor: ActorName;
	status: number;
	/** What is special about this row, for its name. */
	note?: string;
};

const signedOut = (): Row[] => SIGNED_OUT.map((actor) => ({ actor, status: 401, code: "UNAUTHORIZED" }));
const forbidden = (actor: ActorName, note?: string): Row => ({ actor, status: 403, code: "FORBIDDEN", note });

/** it.each rows, each led by its readable name: "doctor B (another doctor) → 403 FORBIDDEN". */
function table(endpoint: Endpoint, rows: Row[]): Array<[string, Case]> {
	return rows.map(({ note, ...row }) => {
		const name = `${row.actor}${note ? ` (${note})` : ""} → ${row.status}${row.code ? ` ${row.code}` : ""}`;
		return [name, { ...endpoint, ...row, name }];
	});
}

async function run(c: Case) {
	const w = world;
	const fresh = c.fresh ? await c.fresh(w) : "";
	const refused = c.status >= 400;
	const before = refused ? await snapshot(w) : undefined;
	const call = await api(c.method, c.path(w, fresh), {
		headers: w.headers[c.actor],
		body: c.body?.(w, fresh),
	});
	expect(call.status).toBeLessThan(500);
	expect(
		{ status: call.status, code: call.body?.error?.code },
		`${c.method} ${c.path(w, fresh)}: ${JSON.stringify(call.body)}`,
	).toEqual({ status: c.status, code: c.code });
	if (refused) {
		expect(call.body.error.message).toEqual(expect.any(String));
		const after = await snapshot(w);
		expect(after.appointment.appointment.status).toBe("confirmed");
		expect(after.blocksA.unavailability.map((b: { id: string }) => b.id)).toContain(w.blockId);
		expect(after).toEqual(before);
	}
	await c.check?.(call, w, fresh);
}

beforeAll(async () => {
	// Doctors A and B work at different clinics: neither may act on the other's appointments.
	const [clinicA, clinicB] = await Promise.all(
		["Clinic A", "Clinic B"].map((name) =>
			api("POST", "/api/clinics", { headers: ADMIN, body: { name, timezone: "UTC" } }),
		),
	);
	const [doctorA, doctorB, hiddenDoctor, [patientA, patientB]] = await Promise.all([
		createDoctor({}, { clinic_id: clinicA?.body.clinic.id }),
		createDoctor({}, { clinic_id: clinicB?.body.clinic.id }),
		createDoctor({}, { is_approved: false, name: "Dr. Unapproved" }),
		createPatients(2),
	]);
	if (patientA === undefined || patientB === undefined) throw new Error("createPatients");
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(patientA.token),
		body: { doctor_id: doctorA.id, start: at(DAY, "10:00"), reason: "Private matter" },
	});
	expectStatus(booked, 201);
	const blocked = await api("POST", `/api/doctors/${doctorA.id}/unavailability`, {
		headers: bearer(doctorA.token),
		body: { date: DAY, start: "14:00", end: "15:00", reason: "Staff meeting" },
	});
	expectStatus(blocked, 201);

	const now = Math.floor(Date.now() / 1000);
	const forged = await sign(
		{ sub: "admin", role: "admin", doctor_id: null, iat: now, exp: now + 3600 },
		"not-the-server-secret",
		"HS256",
	);
	const expired = await sign(
		{ sub: patientA.id, role: "patient", doctor_id: null, iat: now - 7200, exp: now - 3600 },
		env.AUTH_SECRET,
		"HS256",
	);
	const base64url = (value: unknown) =>
		btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
	const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({
		sub: "admin",
		role: "admin",
		doctor_id: null,
		iat: now,
		exp: now + 3600,
	})}.`;

	world = {
		doctorA,
		doctorB,
		hiddenDoctor,
		patientA,
		patientB,
		appointmentId: booked.body.appointment.id,
		blockId: blocked.body.unavailability.id,
		headers: {
			anonymous: {},
			"bad token": { authorization: "Bearer nonsense" },
			"forged token": bearer(forged),
			"expired token": bearer(expired),
			"unsigned token": bearer(unsigned),
			"patient A": bearer(patientA.token),
			"patient B": bearer(patientB.token),
			"doctor A": bearer(doctorA.token),
			"doctor B": bearer(doctorB.token),
			"unapproved doctor": bearer(hiddenDoctor.token),
			admin: ADMIN,
		},
	};
});

const ids = (list: Array<{ id: string }>) => list.map((item) => item.id);

describe("public reads work for anyone, signed in or not", () => {
	const read = (path: (w: World) => string, check: Check): Endpoint & { check: Check } => ({
		method: "GET",
		path,
		check,
	});
	const cases = [
		...table(
			read(
				() => "/api/doctors",
				(call, w) => {
					expect(ids(call.body.doctors)).toEqual(expect.arrayContaining([w.doctorA.id, w.doctorB.id]));
					expect(ids(call.body.doctors)).not.toContain(w.hiddenDoctor.id);
				},
			),
			[
				{ actor: "anonymous", status: 200, note: "GET /api/doctors, no unapproved doctor" },
				{ actor: "patient B", status: 200, note: "GET /api/doctors, no unapproved doctor" },
				{ actor: "doctor B", status: 200, note: "GET /api/doctors, no unapproved doctor" },
			],
		),
		...table(
			read(
				() => "/api/doctors",
				(call, w) => expect(ids(call.body.doctors)).toContain(w.hiddenDoctor.id),
			),
			[{ actor: "admin", status: 200, note: "GET /api/doctors, unapproved doctor included" }],
		),
		...table(
			read(
				(w) => `/api/doctors/${w.doctorA.id}`,
				(call, w) => expect(call.body.doctor).toMatchObject({ id: w.doctorA.id, is_approved: true }),
			),
			[
				{ actor: "anonymous", status: 200, note: "GET /api/doctors/:id" },
				{ actor: "patient B", status: 200, note: "GET /api/doctors/:id" },
			],
		),
		...table(
			read(
				(w) => `/api/doctors/${w.doctorA.id}/schedule`,
				(call) => expect(call.body.schedule).toMatchObject({ timezone: "UTC", capacity: 1 }),
			),
			[
				{ actor: "anonymous", status: 200, note: "GET schedule" },
				{ actor: "doctor B", status: 200, note: "GET schedule" },
			],
		),
		...table(
			read(
				(w) => `/api/doctors/${w.doctorA.id}/availability/date/${DAY}`,
				(call, w) => {
					expect(call.body).toMatchObject({ doctor_id: w.doctorA.id, date: DAY, total_slots: 16 });
					expect(call.body.slots.find((s: { time: string }) => s.time === "10:00")).toMatchObject({
						booked: 1,
						status: "full",
					});
					// Who booked is nobody else's business.
					expect(JSON.stringify(call.body)).not.toContain(w.patientA.id);
					expect(JSON.stringify(call.body)).not.toContain("Private matter");
				},
			),
			[{ actor: "anonymous", status: 200, note: "GET availability of a day, no patient details" }],
		),
		...table(
			read(
				(w) => `/api/doctors/${w.doctorA.id}/availability?from=${DAY}&to=${BOOKING_DAY}`,
				(call) => expect(call.body.days.map((d: { date: string }) => d.date)).toEqual([DAY, BOOKING_DAY]),
			),
			[{ actor: "anonymous", status: 200, note: "GET availability of a range" }],
		),
		...table(
			{
				method: "POST",
				path: (w) => `/api/doctors/${w.doctorA.id}/slots/check`,
				body: () => ({ start: at(DAY, "10:00") }),
			},
			[
				{
					actor: "anonymous",
					status: 200,
					note: "POST slots/check",
					check: (call) => expect(call.body).toMatchObject({ available: false, status: "full" }),
				},
			],
		),
	];
	it.each(cases)("%s", (_name, c) => run(c));
});

describe("an unapproved doctor is not found by anyone but admins and itself", () => {
	const notFound = (actor: ActorName): Row => ({ actor, status: 404, code: "DOCTOR_NOT_FOUND" });
	const hidden = [notFound("anonymous"), notFound("patient A"), notFound("doctor A")];
	const shown = (check: Check): Row[] => [
		{ actor: "unapproved doctor", status: 200, note: "itself", check },
		{ actor: "admin", status: 200, check },
	];
	it.each([
		...table({ method: "GET", path: (w) => `/api/doctors/${w.hiddenDoctor.id}` }, [
			...hidden,
			...shown((call, w) =>
				expect(call.body.doctor).toMatchObject({ id: w.hiddenDoctor.id, is_approved: false }),
			),
		]),
		...table({ method: "GET", path: (w) => `/api/doctors/${w.hiddenDoctor.id}/schedule` }, [
			...hidden,
			...shown((call) => expect(call.body.schedule).toMatchObject({ timezone: "UTC", capacity: 1 })),
		]),
	])("%s", (_name, c) => run(c));

	it("answers exactly what a doctor that does not exist answers", async () => {
		const hiddenCall = await api("GET", `/api/doctors/${world.hiddenDoctor.id}/schedule`);
		const missing = await api("GET", "/api/doctors/no-such-doctor/schedule");
		expect(hiddenCall.body).toEqual(missing.body);
	});
});

describe("POST /api/doctors (admin only)", () => {
	const name = unique("Dr. Created");
	const endpoint: Endpoint = {
		method: "POST",
		path: () => "/api/doctors",
		body: () => ({ name, email: `${unique("created")}@docslot.test`, password: "doctor-pass-123" }),
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor A"),
			{
				actor: "admin",
				status: 201,
				check: async (call) => {
					expect(call.body.doctor).toMatchObject({ name, is_approved: true });
					const all = await api("GET", "/api/doctors", { headers: ADMIN });
					expect(all.body.doctors.filter((d: { name: string }) => d.name === name)).toHaveLength(1);
				},
			},
		]),
	)("%s", (_name, c) => run(c));
});

describe("PATCH /api/doctors/:id (admin, or that doctor; only an admin approves)", () => {
	const endpoint: Endpoint = {
		method: "PATCH",
		path: (w) => `/api/doctors/${w.doctorA.id}`,
		body: () => ({ name: "Dr. Hijacked", is_available: false }),
	};
	const approveSelf = (w: World) => `/api/doctors/${w.hiddenDoctor.id}`;
	it.each([
		...table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another doctor"),
			{
				...forbidden("doctor A", "approving itself along with a rename"),
				body: () => ({ name: "Dr. Self-Approved", is_approved: true }),
			},
			{
				actor: "doctor A",
				status: 200,
				note: "its own details",
				body: () => ({ specialty: "Family medicine" }),
				check: async (call, w) => {
					expect(call.body.doctor).toMatchObject({ id: w.doctorA.id, specialty: "Family medicine" });
					const read = await api("GET", `/api/doctors/${w.doctorA.id}`);
					expect(read.body.doctor).toMatchObject({ specialty: "Family medicine", is_available: true });
				},
			},
			{
				actor: "admin",
				status: 200,
				body: () => ({ specialty: "General practice" }),
				check: (call) => expect(call.body.doctor.specialty).toBe("General practice"),
			},
		]),
		...table({ method: "PATCH", path: approveSelf, body: () => ({ is_approved: true }) }, [
			{
				...forbidden("doctor A", "approving an unapproved doctor"),
				check: async (_call, w) => {
					const read = await api("GET", approveSelf(w), { headers: ADMIN });
					expect(read.body.doctor.is_approved).toBe(false);
				},
			},
		]),
	])("%s", (_name, c) => run(c));

	it("doctor (unapproved) approving itself → 403 FORBIDDEN, still unapproved", async () => {
		const w = world;
		const call = await api("PATCH", approveSelf(w), {
			headers: bearer(w.hiddenDoctor.token),
			body: { is_approved: true },
		});
		expect(call.status).toBeLessThan(500);
		expect({ status: call.status, code: call.body?.error?.code }).toEqual({ status: 403, code: "FORBIDDEN" });
		const read = await api("GET", approveSelf(w), { headers: ADMIN });
		expect(read.body.doctor.is_approved).toBe(false);
		const listed = await api("GET", "/api/doctors");
		expect(ids(listed.body.doctors)).not.toContain(w.hiddenDoctor.id);
	});
});

describe("PUT /api/doctors/:id/schedule (admin, or that doctor)", () => {
	const endpoint: Endpoint = {
		method: "PUT",
		path: (w) => `/api/doctors/${w.doctorA.id}/schedule`,
		body: () => ({ timezone: "Europe/Paris", capacity: 9, weekly: allWeek([]) }),
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another doctor"),
			{
				actor: "doctor A",
				status: 200,
				body: () => ({ ...BASE_SCHEDULE, horizon_days: 59 }),
				check: async (call, w) => {
					expect(call.body.schedule).toMatchObject({ timezone: "UTC", horizon_days: 59 });
					const read = await api("GET", `/api/doctors/${w.doctorA.id}/schedule`);
					expect(read.body.schedule.horizon_days).toBe(59);
				},
			},
			{
				actor: "admin",
				status: 200,
				body: () => BASE_SCHEDULE,
				check: (call) => expect(call.body.schedule).toMatchObject({ timezone: "UTC", horizon_days: 60 }),
			},
		]),
	)("%s", (_name, c) => run(c));
});

describe("POST /api/doctors/:id/schedule/preview (admin, or that doctor; writes nothing)", () => {
	const endpoint: Endpoint = {
		method: "POST",
		path: (w) => `/api/doctors/${w.doctorA.id}/schedule/preview`,
		body: () => ({ ...BASE_SCHEDULE, buffer_minutes: 30, date: BOOKING_DAY }),
	};
	// 09:00–17:00 with 30-minute slots and 30-minute buffers: 8 slots.
	const previews: Check = (call) => expect(call.body.slots).toHaveLength(8);
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another clinic's doctor"),
			{ actor: "doctor A", status: 200, check: previews },
			{ actor: "admin", status: 200, check: previews },
		]),
	)("%s", (_name, c) => run(c));
});

describe("reserved places: a patient cannot book one; the doctor of the day and admins can", () => {
	it("patient 409 SLOT_FULL, doctor 201, admin 201 past the patients' places", async () => {
		const doctor = await createDoctor({ capacity: 3, reserved_places: 2 });
		const [a, b, c] = await createPatients(3);
		if (a === undefined || b === undefined || c === undefined) throw new Error("createPatients");
		const start = at(BOOKING_DAY, "16:00");
		const as = (headers: Record<string, string>, patientId?: string) =>
			api("POST", "/api/appointments", {
				headers,
				body: { doctor_id: doctor.id, start, ...(patientId ? { patient_id: patientId } : {}) },
			});
		expectStatus(await as(bearer(a.token)), 201);
		const refused = await as(bearer(b.token));
		expect([refused.status, refused.body.error.code]).toEqual([409, "SLOT_FULL"]);
		expectStatus(await as(bearer(world.doctorB.token), b.id), 403);
		expectStatus(await as(bearer(doctor.token), b.id), 201);
		expectStatus(await as(ADMIN, c.id), 201);
	});
});

describe("GET /api/doctors/:id/unavailability (admin, or that doctor)", () => {
	const endpoint: Endpoint = { method: "GET", path: (w) => `/api/doctors/${w.doctorA.id}/unavailability` };
	const seesBlock: Check = (call, w) => expect(ids(call.body.unavailability)).toContain(w.blockId);
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("patient B"),
			forbidden("doctor B", "another doctor"),
			{ actor: "doctor A", status: 200, check: seesBlock },
			{ actor: "admin", status: 200, check: seesBlock },
		]),
	)("%s", (_name, c) => run(c));
});

describe("POST /api/doctors/:id/unavailability (admin, or that doctor)", () => {
	const endpoint: Endpoint = {
		method: "POST",
		path: (w) => `/api/doctors/${w.doctorA.id}/unavailability`,
		body: () => ({ date: DAY, start: "09:00", end: "17:00", reason: "Not really" }),
	};
	const created: Check = async (call, w) => {
		expect(call.body.unavailability).toMatchObject({ doctor_id: w.doctorA.id, date: BLOCK_DAY });
		expect(ids(await blocksOf(w.doctorA.id))).toContain(call.body.unavailability.id);
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another doctor"),
			{
				actor: "doctor A",
				status: 201,
				body: () => ({ date: BLOCK_DAY, ...freeHalfHour() }),
				check: created,
			},
			{ actor: "admin", status: 201, body: () => ({ date: BLOCK_DAY, ...freeHalfHour() }), check: created },
		]),
	)("%s", (_name, c) => run(c));
});

describe("PATCH /api/doctors/:id/unavailability/:block (admin, or that doctor)", () => {
	const endpoint: Endpoint = {
		method: "PATCH",
		path: (w) => `/api/doctors/${w.doctorA.id}/unavailability/${w.blockId}`,
		body: () => ({ start: "09:00", end: "17:00", reason: "Hijacked" }),
	};
	const reasonIs =
		(reason: string): Check =>
		async (call, w) => {
			expect(call.body.unavailability).toMatchObject({ id: w.blockId, start: "14:00", end: "15:00", reason });
			const stored = (await blocksOf(w.doctorA.id)).find((b) => b.id === w.blockId);
			expect(stored).toMatchObject({ reason });
		};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another doctor"),
			{
				actor: "doctor B",
				status: 404,
				code: "NOT_FOUND",
				note: "through its own path",
				path: (w) => `/api/doctors/${w.doctorB.id}/unavailability/${w.blockId}`,
			},
			{
				actor: "doctor A",
				status: 200,
				body: () => ({ reason: "Team meeting" }),
				check: reasonIs("Team meeting"),
			},
			{
				actor: "admin",
				status: 200,
				body: () => ({ reason: "Staff meeting" }),
				check: reasonIs("Staff meeting"),
			},
		]),
	)("%s", (_name, c) => run(c));
});

describe("DELETE /api/doctors/:id/unavailability/:block (admin, or that doctor)", () => {
	const endpoint: Endpoint = {
		method: "DELETE",
		path: (w) => `/api/doctors/${w.doctorA.id}/unavailability/${w.blockId}`,
	};
	const gone: Check = async (call, w, fresh) => {
		expect(call.body.unavailability.id).toBe(fresh);
		expect(ids(await blocksOf(w.doctorA.id))).not.toContain(fresh);
	};
	const ownFresh = {
		fresh: freshBlock,
		path: (w: World, fresh: string) => `/api/doctors/${w.doctorA.id}/unavailability/${fresh}`,
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another doctor"),
			{
				actor: "doctor B",
				status: 404,
				code: "NOT_FOUND",
				note: "through its own path",
				path: (w) => `/api/doctors/${w.doctorB.id}/unavailability/${w.blockId}`,
			},
			{ actor: "doctor A", status: 200, ...ownFresh, check: gone },
			{ actor: "admin", status: 200, ...ownFresh, check: gone },
		]),
	)("%s", (_name, c) => run(c));
});

describe("POST /api/appointments (patients for themselves; admin, or that doctor, for a patient)", () => {
	const endpoint: Endpoint = {
		method: "POST",
		path: () => "/api/appointments",
		body: (w) => ({ doctor_id: w.doctorA.id, start: at(DAY, "11:00") }),
	};
	const bookedFor =
		(patient: "patientA" | "patientB"): Check =>
		async (call, w) => {
			expect(call.body.appointment).toMatchObject({
				doctor_id: w.doctorA.id,
				patient_id: w[patient].id,
				status: "confirmed",
			});
			const read = await api("GET", `/api/appointments/${call.body.appointment.id}`, { headers: ADMIN });
			expect(read.body.appointment.status).toBe("confirmed");
		};
	const forPatient = (patient: "patientA" | "patientB") => (w: World) => ({
		doctor_id: w.doctorA.id,
		start: freeSlot(),
		patient_id: w[patient].id,
	});
	it.each(
		table(endpoint, [
			...signedOut(),
			{
				...forbidden("patient A", "for patient B"),
				body: (w) => ({ doctor_id: w.doctorA.id, start: at(DAY, "11:00"), patient_id: w.patientB.id }),
			},
			{
				...forbidden("patient B", "for patient A"),
				body: (w) => ({ doctor_id: w.doctorA.id, start: at(DAY, "11:00"), patient_id: w.patientA.id }),
			},
			{
				...forbidden("doctor B", "doctor A's slot for patient A"),
				body: (w) => ({ doctor_id: w.doctorA.id, start: at(DAY, "11:00"), patient_id: w.patientA.id }),
			},
			{
				actor: "patient A",
				status: 201,
				note: "for itself",
				body: (w) => ({ doctor_id: w.doctorA.id, start: freeSlot() }),
				check: bookedFor("patientA"),
			},
			{
				actor: "patient A",
				status: 201,
				note: "naming itself",
				body: forPatient("patientA"),
				check: bookedFor("patientA"),
			},
			{
				actor: "doctor A",
				status: 201,
				note: "its own slot for patient B",
				body: forPatient("patientB"),
				check: bookedFor("patientB"),
			},
			{
				actor: "admin",
				status: 201,
				note: "for patient B",
				body: forPatient("patientB"),
				check: bookedFor("patientB"),
			},
		]),
	)("%s", (_name, c) => run(c));
});

describe("GET /api/appointments/:id (its patient, its doctor, admin)", () => {
	const endpoint: Endpoint = { method: "GET", path: (w) => `/api/appointments/${w.appointmentId}` };
	const reads: Check = (call, w) =>
		expect(call.body.appointment).toMatchObject({
			id: w.appointmentId,
			patient_id: w.patientA.id,
			reason: "Private matter",
		});
	const hidden: Check = (call) => expect(JSON.stringify(call.body)).not.toContain("Private matter");
	it.each(
		table(endpoint, [
			...signedOut().map((row) => ({ ...row, check: hidden })),
			{ ...forbidden("patient B"), check: hidden },
			{ ...forbidden("doctor B", "another doctor"), check: hidden },
			{ actor: "patient A", status: 200, check: reads },
			{ actor: "doctor A", status: 200, check: reads },
			{ actor: "admin", status: 200, check: reads },
		]),
	)("%s", (_name, c) => run(c));
});

describe("POST /api/appointments/:id/cancel (its patient, its doctor, admin)", () => {
	const endpoint: Endpoint = { method: "POST", path: (w) => `/api/appointments/${w.appointmentId}/cancel` };
	const cancels: Check = async (call, _w, fresh) => {
		expect(call.body.appointment).toMatchObject({ id: fresh, status: "cancelled" });
		const read = await api("GET", `/api/appointments/${fresh}`, { headers: ADMIN });
		expect(read.body.appointment.status).toBe("cancelled");
	};
	const ownFresh = {
		fresh: freshAppointment,
		path: (_w: World, fresh: string) => `/api/appointments/${fresh}/cancel`,
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient B"),
			forbidden("doctor B", "another doctor"),
			{ actor: "patient A", status: 200, ...ownFresh, check: cancels },
			{ actor: "doctor A", status: 200, ...ownFresh, check: cancels },
			{ actor: "admin", status: 200, ...ownFresh, check: cancels },
		]),
	)("%s", (_name, c) => run(c));
});

describe("GET /api/appointments (only the caller's own, or the doctor's)", () => {
	const endpoint: Endpoint = { method: "GET", path: () => "/api/appointments" };
	/** Whether the list holds patient A's appointment, and that every entry belongs to `owner`. */
	const lists =
		(visible: boolean, owner?: { field: "patient_id" | "doctor_id"; id: (w: World) => string }): Check =>
		(call, w) => {
			const listed = ids(call.body.appointments);
			if (visible) expect(listed).toContain(w.appointmentId);
			else expect(listed).not.toContain(w.appointmentId);
			if (owner === undefined) return;
			for (const a of call.body.appointments) expect(a[owner.field]).toBe(owner.id(w));
		};
	it.each(
		table(endpoint, [
			...signedOut(),
			{
				actor: "patient B",
				status: 200,
				note: "without A's appointment",
				check: lists(false, { field: "patient_id", id: (w) => w.patientB.id }),
			},
			{
				actor: "doctor B",
				status: 200,
				note: "without doctor A's appointments",
				check: lists(false, { field: "doctor_id", id: (w) => w.doctorB.id }),
			},
			{
				actor: "patient A",
				status: 200,
				note: "own appointment",
				check: lists(true, { field: "patient_id", id: (w) => w.patientA.id }),
			},
			{
				actor: "doctor A",
				status: 200,
				note: "own patients' appointment",
				check: lists(true, { field: "doctor_id", id: (w) => w.doctorA.id }),
			},
			{ actor: "admin", status: 200, note: "everyone's", check: lists(true) },
		]),
	)("%s", (_name, c) => run(c));
});

describe("POST /api/appointments/:id/status (its doctor, admin; never a patient)", () => {
	const endpoint: Endpoint = {
		method: "POST",
		path: (w) => `/api/appointments/${w.appointmentId}/status`,
		body: () => ({ status: "checked_in" }),
	};
	const moves =
		(status: string): Check =>
		async (call, _w, fresh) => {
			expect(call.body.appointment).toMatchObject({ id: fresh, status });
			expect(call.body.appointment.history.at(-1)).toMatchObject({ status });
			const read = await api("GET", `/api/appointments/${fresh}`, { headers: ADMIN });
			expect(read.body.appointment.status).toBe(status);
		};
	const ownFresh = {
		fresh: freshAppointment,
		path: (_w: World, fresh: string) => `/api/appointments/${fresh}/status`,
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A", "the appointment's own patient"),
			forbidden("patient B"),
			forbidden("doctor B", "another clinic's doctor"),
			forbidden("unapproved doctor", "another doctor"),
			{
				actor: "doctor A",
				status: 409,
				code: "INVALID_TRANSITION",
				note: "declining a confirmed appointment",
				body: () => ({ status: "declined" }),
			},
			{ actor: "doctor A", status: 200, note: "check-in", ...ownFresh, check: moves("checked_in") },
			{
				actor: "admin",
				status: 200,
				note: "no-show",
				...ownFresh,
				body: () => ({ status: "no_show" }),
				check: moves("no_show"),
			},
		]),
	)("%s", (_name, c) => run(c));
});

describe("GET /api/doctors/:id/days/:date/appointments (that doctor, admin), with patients' names", () => {
	const endpoint: Endpoint = {
		method: "GET",
		path: (w) => `/api/doctors/${w.doctorA.id}/days/${DAY}/appointments`,
	};
	const lists: Check = (call, w) => {
		expect(call.body.appointments).toEqual([
			expect.objectContaining({ id: w.appointmentId, patient_name: "Test Patient", status: "confirmed" }),
		]);
	};
	it.each(
		table(endpoint, [
			...signedOut(),
			forbidden("patient A"),
			forbidden("doctor B", "another clinic's doctor"),
			{ actor: "doctor A", status: 200, check: lists },
			{ actor: "admin", status: 200, check: lists },
		]),
	)("%s", (_name, c) => run(c));
});

describe("patients' names: the doctor and admins see them, patients never", () => {
	it.each<[ActorName, string | undefined]>([
		["patient A", undefined],
		["doctor A", "Test Patient"],
		["admin", "Test Patient"],
	])("%s reads patient_name %s", async (actor, name) => {
		const one = await api("GET", `/api/appointments/${world.appointmentId}`, {
			headers: world.headers[actor],
		});
		expect(one.body.appointment.patient_name).toBe(name);
		const list = await api("GET", "/api/appointments", { headers: world.headers[actor] });
		const listed = list.body.appointments.find((a: { id: string }) => a.id === world.appointmentId);
		expect(listed?.patient_name).toBe(name);
	});
});
