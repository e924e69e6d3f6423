// Bad input, endpoint by endpoint: a 400 VALIDATION_ERROR with its issues (or the 404/413 the contract names),
// never a 5xx, and a rejected request changes nothing.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../src/core/time";
import {
	ADMIN,
	allWeek,
	api,
	at,
	bearer,
	type Call,
	createDoctor,
	createPatient,
	inDays,
	type TestDoctor,
	type TestPatient,
	unique,
} from "../helpers";

interface World {
	doctor: TestDoctor;
	patient: TestPatient;
	/** The patient's confirmed appointment at 10:00 on DAY. */
	appointmentId: string;
	/** The doctor's block 14:00–15:00 on DAY. */
	blockId: string;
}

const DAY = inDays(3);
const FREE_SLOT = at(DAY, "11:00");
let world: World;

/** Valid bodies: every bad case below is one of these with one thing wrong. */
const VALID = {
	register: () => ({
		email: `${unique("new")}@example.com`,
		password: "long-enough-pass",
		name: "New Patient",
	}),
	doctor: () => ({ name: "Dr. New", email: `${unique("newdr")}@docslot.test`, password: "doctor-pass-123" }),
	patchDoctor: () => ({ name: "Dr. Renamed" }),
	// Differs from the stored schedule in every field, so accepting it would show.
	schedule: () => ({
		timezone: "Europe/Berlin",
		slot_minutes: 20,
		capacity: 2,
		horizon_days: 30,
		weekly: allWeek([{ start: "08:00", end: "12:00" }]),
	}),
	block: () => ({ date: DAY, start: "12:00", end: "13:00", reason: "Training" }),
	booking: (w: World) => ({ doctor_id: w.doctor.id, start: FREE_SLOT }),
};

type HeaderMap = Record<string, string>;
type Json = Record<string, unknown>;

interface Case {
	method: string;
	path: (w: World) => string;
	body?: (w: World) => unknown;
	/** A body sent as is (with `content-type: application/json` unless headers say otherwise). */
	raw?: (w: World) => string;
	headers?: (w: World) => HeaderMap;
	status?: number;
	code?: string;
}

const asAdmin = () => ADMIN;
const asPatient = (w: World) => bearer(w.patient.token);

const register = (body: (w: World) => unknown): Case => ({
	method: "POST",
	path: () => "/api/auth/register",
	body,
});
const createDoctorCase = (body: (w: World) => unknown): Case => ({
	method: "POST",
	path: () => "/api/doctors",
	headers: asAdmin,
	body,
});
const patchDoctor = (body: (w: World) => unknown): Case => ({
	method: "PATCH",
	path: (w) => `/api/doctors/${w.doctor.id}`,
	headers: asAdmin,
	body,
});
const putSchedule = (body: (w: World) => unknown): Case => ({
	method: "PUT",
	path: (w) => `/api/doctors/${w.doctor.id}/schedule`,
	headers: asAdmin,
	body,
});
const addBlock = (body: (w: World) => unknown): Case => ({
	method: "POST",
	path: (w) => `/api/doctors/${w.doctor.id}/unavailability`,
	headers: asAdmin,
	body,
});
const patchBlock = (body: (w: World) => unknown): Case => ({
	method: "PATCH",
	path: (w) => `/api/doctors/${w.doctor.id}/unavailability/${w.blockId}`,
	headers: asAdmin,
	body,
});
const book = (body: (w: World) => unknown, headers: (w: World) => HeaderMap = asPatient): Case => ({
	method: "POST",
	path: () => "/api/appointments",
	headers,
	body,
});
const check = (body: (w: World) => unknown): Case => ({
	method: "POST",
	path: (w) => `/api/doctors/${w.doctor.id}/slots/check`,
	body,
});
const get = (path: (w: World) => string, headers?: (w: World) => HeaderMap): Case => ({
	method: "GET",
	path,
	headers,
});
const raw = (base: Case, text: string | ((w: World) => string), contentType = "application/json"): Case => ({
	...base,
	body: undefined,
	raw: typeof text === "string" ? () => text : text,
	headers: (w) => ({ ...base.headers?.(w), "content-type": contentType }),
});

/** Minutes since midnight as HH:MM. */
const clock = (minutes: number) =>
	`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
/** The valid schedule with `fields` replaced. */
const scheduleWith = (fields: Json) => () => ({ ...VALID.schedule(), ...fields });
/** The valid schedule with `ranges` on Monday and no other day. */
const mondayOf = (ranges: unknown) => scheduleWith({ weekly: { ...allWeek([]), monday: ranges } });
const registerWith = (fields: Json) => () => ({ ...VALID.register(), ...fields });
const blockWith = (fields: Json) => () => ({ ...VALID.block(), ...fields });
const bookWith = (fields: Json) => (w: World) => ({ ...VALID.booking(w), ...fields });
const without = (object: Json, ...keys: string[]) =>
	Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));

/** One of each kind of text the text rule refuses, inside otherwise ordinary text. */
const HOSTILE_TEXT = {
	"a NUL": "Dr.\u0000Who",
	"an escape sequence": "Dr. \u001b[2JWho",
	"a right-to-left override": "scan\u202egnp.exe",
	"a bidi isolate": "Dr. \u2067Who\u2069",
	"a pile of combining marks": "Dr. Wh\u0301\u0302\u0303\u0304\u0305o",
	"a lone surrogate": "Dr. \ud800Who",
};

const BAD_BODIES: Array<[string, Case]> = [
	// Not a JSON object at all.
	["register: malformed JSON", raw(register(VALID.register), '{"email": "a@example.com", "password":')],
	["book: malformed JSON", raw(book(VALID.booking), '{"doctor_id": ')],
	["schedule: malformed JSON (trailing comma)", raw(putSchedule(VALID.schedule), '{"timezone": "UTC",}')],
	["register: empty body", raw(register(VALID.register), "")],
	["book: empty body", raw(book(VALID.booking), "")],
	["schedule: empty body", raw(putSchedule(VALID.schedule), "")],
	["patch doctor: empty body", raw(patchDoctor(VALID.patchDoctor), "")],
	["register: body is a JSON array", register(() => [VALID.register()])],
	["book: body is a JSON array", book(() => [])],
	["book: body is a JSON string", book(() => "book me")],
	["schedule: body is a JSON number", putSchedule(() => 42)],
	["book: body is JSON null", book(() => null)],
	["patch doctor: body is JSON null", patchDoctor(() => null)],
	[
		"register: valid JSON sent as text/plain",
		raw(register(VALID.register), JSON.stringify(VALID.register()), "text/plain"),
	],
	[
		"book: valid JSON sent as text/plain",
		raw(book(VALID.booking), (w) => JSON.stringify(VALID.booking(w)), "text/plain"),
	],
	// Missing fields.
	["register: only an email", register(() => ({ email: `${unique("only")}@example.com` }))],
	["register: empty object", register(() => ({}))],
	["create doctor: no email or password", createDoctorCase(() => ({ name: "Dr. Half" }))],
	["schedule: no timezone", putSchedule(() => without(VALID.schedule(), "timezone"))],
	["schedule: no weekly", putSchedule(() => without(VALID.schedule(), "weekly"))],
	["block: no start or end", addBlock(() => ({ date: DAY }))],
	["book: no doctor_id", book((w) => without(VALID.booking(w), "doctor_id"))],
	["book: no start", book((w) => without(VALID.booking(w), "start"))],
	["patch doctor: nothing to change", patchDoctor(() => ({}))],
	["patch block: nothing to change", patchBlock(() => ({}))],
	["slots/check: no start", check(() => ({}))],
	// Wrong types.
	["register: email is a number", register(registerWith({ email: 12345 }))],
	["register: password is a number", register(registerWith({ password: 123456789 }))],
	["schedule: capacity is a string", putSchedule(scheduleWith({ capacity: "2" }))],
	["schedule: slot_minutes is a string", putSchedule(scheduleWith({ slot_minutes: "20" }))],
	["schedule: a day is a string", putSchedule(mondayOf("09:00-12:00"))],
	["schedule: weekly is an array", putSchedule(scheduleWith({ weekly: [] }))],
	["patch doctor: is_available is a string", patchDoctor(() => ({ is_available: "yes" }))],
	["create doctor: is_approved is a number", createDoctorCase(() => ({ ...VALID.doctor(), is_approved: 1 }))],
	["block: reason is a number", addBlock(blockWith({ reason: 5 }))],
	["book: doctor_id is a number", book(bookWith({ doctor_id: 42 }))],
	["book: reason is an object", book(bookWith({ reason: { text: "Cough" } }))],
	// Unknown extra fields.
	["register: asks for the admin role", register(registerWith({ role: "admin" }))],
	["create doctor: unknown field", createDoctorCase(() => ({ ...VALID.doctor(), salary: 1 }))],
	["patch doctor: tries to change the email", patchDoctor(() => ({ email: "new@docslot.test" }))],
	["schedule: unknown top-level field", putSchedule(scheduleWith({ owner: "someone" }))],
	["schedule: unknown weekday", putSchedule(scheduleWith({ weekly: { ...allWeek([]), funday: [] } }))],
	["schedule: unknown field in a range", putSchedule(mondayOf([{ start: "09:00", end: "12:00", room: 4 }]))],
	["block: unknown field", addBlock(blockWith({ doctor_id: "someone-else" }))],
	["book: sets its own status", book(bookWith({ status: "cancelled" }))],
	["book: unknown field", book(bookWith({ price: 0 }))],
	[
		"book: a __proto__ field",
		raw(
			book(VALID.booking),
			(w) =>
				`{"__proto__": {"patient_id": "someone"}, "doctor_id": "${w.doctor.id}", "start": "${FREE_SLOT}"}`,
		),
	],
	// Huge strings.
	["register: name of 10,000 characters", register(registerWith({ name: "N".repeat(10_000) }))],
	["patch doctor: name of 10,000 characters", patchDoctor(() => ({ name: "N".repeat(10_000) }))],
	[
		"create doctor: specialty of 10,000 characters",
		createDoctorCase(() => ({ ...VALID.doctor(), specialty: "S".repeat(10_000) })),
	],
	["book: reason of 5,000 characters", book(bookWith({ reason: "R".repeat(5_000) }))],
	["block: reason of 5,000 characters", addBlock(blockWith({ reason: "R".repeat(5_000) }))],
	["register: blank name", register(registerWith({ name: "   " }))],
	// Hostile text in every free-text field (src/core/text.ts).
	...Object.entries(HOSTILE_TEXT).flatMap(
		([kind, text]): Array<[string, Case]> => [
			[`register: name with ${kind}`, register(registerWith({ name: text }))],
			[`create doctor: name with ${kind}`, createDoctorCase(() => ({ ...VALID.doctor(), name: text }))],
			[
				`create doctor: specialty with ${kind}`,
				createDoctorCase(() => ({ ...VALID.doctor(), specialty: text })),
			],
			[`patch doctor: name with ${kind}`, patchDoctor(() => ({ name: text }))],
			[`patch doctor: specialty with ${kind}`, patchDoctor(() => ({ specialty: text }))],
			[`block: reason with ${kind}`, addBlock(blockWith({ reason: text }))],
			[`patch block: reason with ${kind}`, patchBlock(() => ({ reason: text }))],
			[`book: reason with ${kind}`, book(bookWith({ reason: text }))],
		],
	),
	// Accounts.
	["register: invalid email", register(registerWith({ email: "not-an-email" }))],
	["register: email without a domain", register(registerWith({ email: "someone@" }))],
	["create doctor: invalid email", createDoctorCase(() => ({ ...VALID.doctor(), email: "dr at clinic" }))],
	["register: short password", register(registerWith({ password: "short" }))],
	["create doctor: short password", createDoctorCase(() => ({ ...VALID.doctor(), password: "1234567" }))],
	// Impossible dates.
	["block: date 2027-02-30", addBlock(blockWith({ date: "2027-02-30" }))],
	["block: date 2027-02-29 (not a leap year)", addBlock(blockWith({ date: "2027-02-29" }))],
	["block: date 2027-13-01", addBlock(blockWith({ date: "2027-13-01" }))],
	['block: date "tomorrow"', addBlock(blockWith({ date: "tomorrow" }))],
	["block: date 2027-3-5 (not zero-padded)", addBlock(blockWith({ date: "2027-3-5" }))],
	["patch block: date 2027-02-30", patchBlock(() => ({ date: "2027-02-30" }))],
	[
		"day availability: date 2027-02-30",
		get((w) => `/api/doctors/${w.doctor.id}/availability/date/2027-02-30`),
	],
	[
		"day availability: date 2027-13-01",
		get((w) => `/api/doctors/${w.doctor.id}/availability/date/2027-13-01`),
	],
	['day availability: date "tomorrow"', get((w) => `/api/doctors/${w.doctor.id}/availability/date/tomorrow`)],
	// Impossible times.
	["block: start 25:00", addBlock(blockWith({ start: "25:00", end: "26:00" }))],
	["block: start 9:00 (one digit)", addBlock(blockWith({ start: "9:00" }))],
	["block: end 12:60", addBlock(blockWith({ start: "12:00", end: "12:60" }))],
	["patch block: start 9:00", patchBlock(() => ({ start: "9:00" }))],
	["schedule: range to 25:00", putSchedule(mondayOf([{ start: "09:00", end: "25:00" }]))],
	["schedule: range from 9:00", putSchedule(mondayOf([{ start: "9:00", end: "12:00" }]))],
	["schedule: range to 12:60", putSchedule(mondayOf([{ start: "09:00", end: "12:60" }]))],
	// start >= end.
	["block: start after end", addBlock(blockWith({ start: "13:00", end: "12:00" }))],
	["block: start equals end", addBlock(blockWith({ start: "12:00", end: "12:00" }))],
	["patch block: end before its stored start", patchBlock(() => ({ end: "13:00" }))],
	["schedule: range ends before it starts", putSchedule(mondayOf([{ start: "12:00", end: "09:00" }]))],
	["schedule: empty range", putSchedule(mondayOf([{ start: "12:00", end: "12:00" }]))],
	// Overlapping ranges.
	[
		"schedule: overlapping ranges",
		putSchedule(
			mondayOf([
				{ start: "09:00", end: "12:00" },
				{ start: "11:00", end: "14:00" },
			]),
		),
	],
	[
		"schedule: the same range twice",
		putSchedule(
			mondayOf([
				{ start: "09:00", end: "12:00" },
				{ start: "09:00", end: "12:00" },
			]),
		),
	],
	[
		"schedule: a range inside another, listed out of order",
		putSchedule(
			mondayOf([
				{ start: "13:00", end: "14:00" },
				{ start: "08:00", end: "17:00" },
			]),
		),
	],
	// Schedule numbers and zones.
	["schedule: unknown time zone Mars/Olympus", putSchedule(scheduleWith({ timezone: "Mars/Olympus" }))],
	["schedule: empty time zone", putSchedule(scheduleWith({ timezone: "" }))],
	["schedule: slot_minutes 0", putSchedule(scheduleWith({ slot_minutes: 0 }))],
	["schedule: slot_minutes 1.5", putSchedule(scheduleWith({ slot_minutes: 1.5 }))],
	["schedule: slot_minutes -30", putSchedule(scheduleWith({ slot_minutes: -30 }))],
	["schedule: capacity 0", putSchedule(scheduleWith({ capacity: 0 }))],
	["schedule: capacity -1", putSchedule(scheduleWith({ capacity: -1 }))],
	["schedule: horizon_days 1000", putSchedule(scheduleWith({ horizon_days: 1000 }))],
	["schedule: capacity 1,000,000,000", putSchedule(scheduleWith({ capacity: 1e9 }))],
	[
		"schedule: 49 ranges in a day",
		putSchedule(
			mondayOf(Array.from({ length: 49 }, (_, i) => ({ start: clock(i * 20), end: clock(i * 20 + 10) }))),
		),
	],
	["schedule: horizon_days -1", putSchedule(scheduleWith({ horizon_days: -1 }))],
	// Range queries.
	[
		"availability range: from after to",
		get((w) => `/api/doctors/${w.doctor.id}/availability?from=${addDays(DAY, 1)}&to=${DAY}`),
	],
	[
		"availability range: 63 days",
		get((w) => `/api/doctors/${w.doctor.id}/availability?from=${DAY}&to=${addDays(DAY, 62)}`),
	],
	["availability range: no from or to", get((w) => `/api/doctors/${w.doctor.id}/availability`)],
	["availability range: only from", get((w) => `/api/doctors/${w.doctor.id}/availability?from=${DAY}`)],
	["availability range: only to", get((w) => `/api/doctors/${w.doctor.id}/availability?to=${DAY}`)],
	[
		"availability range: from 2027-02-30",
		get((w) => `/api/doctors/${w.doctor.id}/availability?from=2027-02-30&to=2027-03-02`),
	],
	[
		"appointment list: from after to",
		get(() => `/api/appointments?from=${addDays(DAY, 1)}&to=${DAY}`, asAdmin),
	],
	['appointment list: from "tomorrow"', get(() => "/api/appointments?from=tomorrow", asAdmin)],
	[
		"unavailability list: to 2027-13-01",
		get((w) => `/api/doctors/${w.doctor.id}/unavailability?to=2027-13-01`, asAdmin),
	],
	// Instants and modes.
	["book: start without a time zone", book(bookWith({ start: `${DAY}T11:00:00` }))],
	["book: start with a space", book(bookWith({ start: `${DAY} 11:00` }))],
	["book: start is only a date", book(bookWith({ start: DAY }))],
	['book: start "tomorrow"', book(bookWith({ start: "tomorrow" }))],
	["book: start is epoch milliseconds", book(bookWith({ start: Date.parse(FREE_SLOT) }))],
	["book: start on 2027-02-30", book(bookWith({ start: "2027-02-30T11:00:00.000Z" }))],
	["slots/check: start is not an instant", check(() => ({ start: "eleven o'clock" }))],
	['book: consultation_mode "telepathy"', book(bookWith({ consultation_mode: "telepathy" }))],
	["book: consultation_mode in capitals", book(bookWith({ consultation_mode: "VIDEO" }))],
	[
		"book: Idempotency-Key of 300 characters",
		book(VALID.booking, (w) => ({ ...asPatient(w), "idempotency-key": "k".repeat(300) })),
	],
	[
		"book: Idempotency-Key with spaces",
		book(VALID.booking, (w) => ({ ...asPatient(w), "idempotency-key": "my key 1" })),
	],
];

const BIG = "x".repeat(70 * 1024);
const TOO_LARGE: Array<[string, Case]> = [
	["book: body over 64 KiB", { ...book(bookWith({ reason: BIG })), status: 413, code: "PAYLOAD_TOO_LARGE" }],
	[
		"schedule: body over 64 KiB",
		{ ...putSchedule(scheduleWith({ padding: BIG })), status: 413, code: "PAYLOAD_TOO_LARGE" },
	],
	[
		"register: body over 64 KiB",
		{ ...register(registerWith({ name: BIG })), status: 413, code: "PAYLOAD_TOO_LARGE" },
	],
];

const UNKNOWN_DOCTOR = "0000000000000000";
const notFound = (c: Case, code: string): Case => ({ ...c, status: 404, code });
const doctorNotFound = (c: Case) => notFound(c, "DOCTOR_NOT_FOUND");
const appointmentNotFound = (path: (w: World) => string, method = "GET") =>
	notFound({ method, path, headers: asAdmin }, "APPOINTMENT_NOT_FOUND");
const unknownDoctor =
	(suffix = "") =>
	() =>
		`/api/doctors/${UNKNOWN_DOCTOR}${suffix}`;

const NOT_FOUND: Array<[string, Case]> = [
	[
		"GET an unknown /api route",
		notFound(
			get(() => "/api/nothing/here"),
			"NOT_FOUND",
		),
	],
	[
		"POST an unknown /api route",
		notFound({ method: "POST", path: () => "/api/nothing", body: () => ({}) }, "NOT_FOUND"),
	],
	[
		"GET an unknown doctor sub-route",
		notFound(
			get((w) => `/api/doctors/${w.doctor.id}/secrets`),
			"NOT_FOUND",
		),
	],
	["GET an unknown doctor", doctorNotFound(get(unknownDoctor()))],
	["PATCH an unknown doctor", doctorNotFound({ ...patchDoctor(VALID.patchDoctor), path: unknownDoctor() })],
	["GET an unknown doctor's schedule", doctorNotFound(get(unknownDoctor("/schedule")))],
	[
		"PUT an unknown doctor's schedule",
		doctorNotFound({ ...putSchedule(VALID.schedule), path: unknownDoctor("/schedule") }),
	],
	["GET an unknown doctor's unavailability", doctorNotFound(get(unknownDoctor("/unavailability"), asAdmin))],
	[
		"POST an unknown doctor's unavailability",
		doctorNotFound({ ...addBlock(VALID.block), path: unknownDoctor("/unavailability") }),
	],
	["GET an unknown doctor's day", doctorNotFound(get(unknownDoctor(`/availability/date/${DAY}`)))],
	["GET an unknown doctor's days", doctorNotFound(get(unknownDoctor(`/availability?from=${DAY}&to=${DAY}`)))],
	[
		"POST slots/check of an unknown doctor",
		doctorNotFound({ ...check(() => ({ start: FREE_SLOT })), path: unknownDoctor("/slots/check") }),
	],
	["book an unknown doctor", doctorNotFound(book(bookWith({ doctor_id: UNKNOWN_DOCTOR })))],
	[
		"PATCH an unknown block",
		notFound(
			{
				...patchBlock(() => ({ reason: "x" })),
				path: (w) => `/api/doctors/${w.doctor.id}/unavailability/nope`,
			},
			"NOT_FOUND",
		),
	],
	[
		"DELETE an unknown block",
		notFound(
			{ method: "DELETE", path: (w) => `/api/doctors/${w.doctor.id}/unavailability/nope`, headers: asAdmin },
			"NOT_FOUND",
		),
	],
	["GET a malformed appointment id", appointmentNotFound(() => "/api/appointments/not-an-id")],
	[
		"cancel a malformed appointment id",
		appointmentNotFound(() => "/api/appointments/not-an-id/cancel", "POST"),
	],
	[
		"GET an appointment id with an impossible date",
		appointmentNotFound((w) => `/api/appointments/${w.doctor.id}.2027-02-30.abcdefgh12`),
	],
	[
		"GET a well-formed unknown appointment id",
		appointmentNotFound((w) => `/api/appointments/${w.doctor.id}.${DAY}.zzzzzzzzzzzz`),
	],
	[
		"cancel a well-formed unknown appointment id",
		appointmentNotFound((w) => `/api/appointments/${w.doctor.id}.${DAY}.zzzzzzzzzzzz/cancel`, "POST"),
	],
	[
		"GET an appointment id of an unknown doctor",
		appointmentNotFound(() => `/api/appointments/${UNKNOWN_DOCTOR}.${DAY}.abcdefgh12`),
	],
	[
		"cancel an appointment id of an unknown doctor",
		appointmentNotFound(() => `/api/appointments/${UNKNOWN_DOCTOR}.${DAY}.abcdefgh12/cancel`, "POST"),
	],
];

function expectOk(call: Call, status = 200) {
	expect(call.status, JSON.stringify(call.body)).toBe(status);
}

/** Everything a request could have changed, read back by an admin (and accounts straight from D1). */
async function snapshot(w: World) {
	const read = async (path: string) => {
		const call = await api("GET", path, { headers: ADMIN });
		expectOk(call);
		return call.body;
	};
	const [doctors, doctor, schedule, blocks, appointments, appointment, day, users] = await Promise.all([
		read("/api/doctors"),
		read(`/api/doctors/${w.doctor.id}`),
		read(`/api/doctors/${w.doctor.id}/schedule`),
		read(`/api/doctors/${w.doctor.id}/unavailability`),
		read("/api/appointments"),
		read(`/api/appointments/${w.appointmentId}`),
		read(`/api/doctors/${w.doctor.id}/availability/date/${DAY}`),
		env.DB.prepare("SELECT id, email, name, role FROM users ORDER BY id").all(),
	]);
	return { doctors, doctor, schedule, blocks, appointments, appointment, day, users: users.results };
}

async function run(c: Case) {
	const w = world;
	const before = await snapshot(w);
	const headers = c.headers?.(w) ?? {};
	const call = await api(c.method, c.path(w), {
		headers:
			c.raw && !("content-type" in headers) ? { ...headers, "content-type": "application/json" } : headers,
		body: c.body?.(w),
		raw: c.raw?.(w),
	});
	expect(call.status, JSON.stringify(call.body)).toBeLessThan(500);
	const status = c.status ?? 400;
	const code = c.code ?? "VALIDATION_ERROR";
	expect(
		{ status: call.status, code: call.body?.error?.code },
		`${c.method} ${c.path(w)}: ${JSON.stringify(call.body).slice(0, 500)}`,
	).toEqual({ status, code });
	expect(call.body.error.message).toEqual(expect.any(String));
	expect(call.body.error.message.length).toBeGreaterThan(0);
	if (status === 400) {
		expect(Array.isArray(call.body.error.issues), "error.issues is an array").toBe(true);
		expect(call.body.error.issues.length).toBeGreaterThan(0);
		for (const issue of call.body.error.issues) expect(issue.message).toEqual(expect.any(String));
	}
	expect(await snapshot(w)).toEqual(before);
}

beforeAll(async () => {
	const [doctor, patient] = await Promise.all([createDoctor(), createPatient()]);
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(patient.token),
		body: { doctor_id: doctor.id, start: at(DAY, "10:00") },
	});
	expectOk(booked, 201);
	const blocked = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
		headers: ADMIN,
		body: { date: DAY, start: "14:00", end: "15:00" },
	});
	expectOk(blocked, 201);
	world = {
		doctor,
		patient,
		appointmentId: booked.body.appointment.id,
		blockId: blocked.body.unavailability.id,
	};
});

describe("bad input is a 400 VALIDATION_ERROR with issues, and changes nothing", () => {
	it.each(BAD_BODIES)("%s", (_name, c) => run(c));
});

describe("a body over 64 KiB is a 413 PAYLOAD_TOO_LARGE, and changes nothing", () => {
	it.each(TOO_LARGE)("%s", (_name, c) => run(c));
});

describe("unknown routes, doctors, blocks and appointments are 404s with their own codes", () => {
	it.each(NOT_FOUND)("%s", (_name, c) => run(c));
});

describe("the valid bodies the bad cases start from are accepted (the cases fail for their one defect)", () => {
	it.each<[string, Case, number]>([
		["register", register(VALID.register), 201],
		["create doctor", createDoctorCase(VALID.doctor), 201],
		["slots/check", check(() => ({ start: FREE_SLOT })), 200],
		[
			"availability range of 62 days",
			get((w) => `/api/doctors/${w.doctor.id}/availability?from=${DAY}&to=${addDays(DAY, 61)}`),
			200,
		],
		["book", book(VALID.booking, (w) => ({ ...asPatient(w), "idempotency-key": "k".repeat(200) })), 201],
		["add a block", addBlock(VALID.block), 201],
		["patch the block", patchBlock(() => ({ end: "16:00" })), 200],
		["patch the doctor", patchDoctor(VALID.patchDoctor), 200],
		["schedule", putSchedule(VALID.schedule), 200],
	])("%s", async (_name, c, status) => {
		const w = world;
		const call = await api(c.method, c.path(w), { headers: c.headers?.(w), body: c.body?.(w) });
		expectOk(call, status);
	});
});
