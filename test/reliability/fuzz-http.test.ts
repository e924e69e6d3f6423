// Hostile input, property-based, through the Worker's fetch: every endpoint gets valid requests with one to
// three things made hostile (bodies, fields, duplicate keys in raw JSON, content types, path segments with
// %-encoding, queries, Authorization and other headers, methods), and every free-text field gets text the
// text rule refuses. Whatever arrives: never a 5xx, errors in the contract's shape, and a rejected request
// (4xx) changes nothing: the whole D1 database, the target doctor-day (its version and slots) and the
// fixture appointment read back the same before and after.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/api/auth";
import { doctorDay } from "../../src/doctor-day/stub";
import {
	ADMIN,
	allWeek,
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	eventually,
	inDays,
	type TestDoctor,
	type TestPatient,
} from "../helpers";
import { runs, timeLimit } from "./scale";

interface World {
	doctor: TestDoctor;
	patient: TestPatient;
	/** Another patient, who holds nothing. */
	stranger: TestPatient;
	/** The patient's confirmed appointment at 10:00 on DAY. */
	appointmentId: string;
	/** The doctor's block 14:00–15:00 on DAY. */
	blockId: string;
	/** Authorization headers worth trying, legitimate and not. */
	authorizations: string[];
}

const DAY = inDays(3);
let world: World;

// ---- requests as data ------------------------------------------------------------------------------

type Body =
	| { kind: "none" }
	| { kind: "json"; value: unknown }
	| { kind: "text"; text: string }
	| { kind: "bytes"; bytes: Uint8Array };

interface Spec {
	method: string;
	/** Path segments after "/api/", each sent as written (so "%zz" stays "%zz"). */
	segments: string[];
	query: string;
	headers: Record<string, string>;
	body: Body;
}

type Params = "doctor" | "appointment" | "block" | "date";

interface Endpoint {
	name: string;
	method: string;
	/** Segments; a param name in braces is filled from the world (and is what param mutations replace). */
	path: string;
	query?: (w: World) => string;
	auth?: "admin" | "patient" | "doctor" | "stranger";
	body?: (w: World) => Record<string, unknown>;
	/** Bookings carry a fresh Idempotency-Key: a refused one must leave no trace of it either. */
	idempotent?: boolean;
}

let keys = 0;

const ENDPOINTS: Endpoint[] = [
	{
		name: "register",
		method: "POST",
		path: "auth/register",
		// The email is taken: a well-formed body is refused late (409 EMAIL_TAKEN).
		body: (w) => ({ email: w.doctor.email, password: "long-enough-pass", name: "Fuzz Patient" }),
	},
	{
		name: "login",
		method: "POST",
		path: "auth/login",
		body: (w) => ({ email: w.doctor.email, password: "wrong-password" }),
	},
	{
		name: "create doctor",
		method: "POST",
		path: "doctors",
		auth: "admin",
		// The email is taken: even a well-formed body is refused late (409), after validation.
		body: (w) => ({
			name: "Dr. Fuzz",
			email: w.doctor.email,
			password: "doctor-pass-123",
			specialty: "Fuzzing",
		}),
	},
	{ name: "list doctors", method: "GET", path: "doctors" },
	{ name: "read doctor", method: "GET", path: "doctors/{doctor}" },
	{
		name: "patch doctor",
		method: "PATCH",
		path: "doctors/{doctor}",
		auth: "patient",
		body: () => ({ name: "Dr. Renamed" }),
	},
	{ name: "read schedule", method: "GET", path: "doctors/{doctor}/schedule" },
	{
		name: "put schedule",
		method: "PUT",
		path: "doctors/{doctor}/schedule",
		auth: "patient",
		body: () => ({
			timezone: "UTC",
			slot_minutes: 30,
			capacity: 1,
			weekly: allWeek([{ start: "09:00", end: "17:00" }]),
		}),
	},
	{
		name: "list unavailability",
		method: "GET",
		path: "doctors/{doctor}/unavailability",
		auth: "admin",
		query: () => `from=${DAY}&to=${DAY}`,
	},
	{
		name: "add unavailability",
		method: "POST",
		path: "doctors/{doctor}/unavailability",
		auth: "patient",
		body: () => ({ date: DAY, start: "12:00", end: "13:00", reason: "Training" }),
	},
	{
		name: "patch unavailability",
		method: "PATCH",
		path: "doctors/{doctor}/unavailability/{block}",
		auth: "admin",
		// An end before the stored 14:00 start: refused late (400), after the block was read.
		body: () => ({ end: "13:00" }),
	},
	{
		name: "delete unavailability",
		method: "DELETE",
		path: "doctors/{doctor}/unavailability/{block}",
		auth: "patient",
	},
	{ name: "day availability", method: "GET", path: "doctors/{doctor}/availability/date/{date}" },
	{
		name: "range availability",
		method: "GET",
		path: "doctors/{doctor}/availability",
		query: () => `from=${DAY}&to=${inDays(5)}`,
	},
	{
		name: "slot check",
		method: "POST",
		path: "doctors/{doctor}/slots/check",
		body: () => ({ start: at(DAY, "11:00") }),
	},
	{
		name: "book",
		idempotent: true,
		method: "POST",
		path: "appointments",
		auth: "patient",
		// The patient already holds 10:00: refused late (409 ALREADY_BOOKED).
		body: (w) => ({
			doctor_id: w.doctor.id,
			start: at(DAY, "10:00"),
			consultation_mode: "video",
			reason: "Cough",
		}),
	},
	{
		name: "book a full slot",
		idempotent: true,
		method: "POST",
		path: "appointments",
		auth: "stranger",
		// Another patient holds 10:00 (capacity 1): SLOT_FULL, decided by the object.
		body: (w) => ({ doctor_id: w.doctor.id, start: at(DAY, "10:00") }),
	},
	{
		name: "book a blocked slot",
		idempotent: true,
		method: "POST",
		path: "appointments",
		auth: "stranger",
		body: (w) => ({ doctor_id: w.doctor.id, start: at(DAY, "14:30") }),
	},
	{
		name: "book for someone",
		idempotent: true,
		method: "POST",
		path: "appointments",
		auth: "admin",
		body: (w) => ({ doctor_id: w.doctor.id, start: at(DAY, "11:00"), patient_id: "no-such-patient" }),
	},
	{
		name: "list appointments",
		method: "GET",
		path: "appointments",
		auth: "patient",
		query: () => `from=${DAY}&to=${DAY}`,
	},
	{ name: "read appointment", method: "GET", path: "appointments/{appointment}", auth: "patient" },
	// Someone else's appointment: FORBIDDEN, decided by the object.
	{ name: "cancel appointment", method: "POST", path: "appointments/{appointment}/cancel", auth: "stranger" },
	// Someone else's appointment: FORBIDDEN, decided by the old day's object.
	{
		name: "reschedule appointment",
		method: "POST",
		path: "appointments/{appointment}/reschedule",
		auth: "stranger",
		body: () => ({ start: at(DAY, "11:00") }),
	},
	// Someone else's appointment again: FORBIDDEN, after the object's read.
	{ name: "appointment ics", method: "GET", path: "appointments/{appointment}/ics", auth: "stranger" },
	{ name: "revoke calendar feed", method: "DELETE", path: "me/calendar-feed", auth: "patient" },
	{ name: "day live", method: "GET", path: "doctors/{doctor}/availability/date/{date}/live" },
	{ name: "doctor live", method: "GET", path: "doctors/{doctor}/live", query: () => "ticket=not-a-ticket" },
	{
		name: "live ticket",
		method: "POST",
		path: "live-tickets",
		auth: "patient",
		// Another's feed: refused late (403), after validation.
		body: (w) => ({ channel: "doctor", doctor_id: w.doctor.id }),
	},
	// The video appointment's room is not open yet: ROOM_CLOSED, decided after reading the appointment.
	{ name: "room", method: "GET", path: "appointments/{appointment}/room", auth: "patient" },
	{
		name: "room live",
		method: "GET",
		path: "appointments/{appointment}/room/live",
		query: () => "ticket=not-a-ticket",
	},
	{
		name: "room ticket",
		method: "POST",
		path: "live-tickets",
		auth: "patient",
		body: (w) => ({ channel: "room", appointment_id: w.appointmentId }),
	},
	{ name: "me", method: "GET", path: "me", auth: "doctor" },
	{ name: "notifications", method: "GET", path: "notifications", auth: "patient", query: () => "limit=5" },
	// Nobody's notification: NOT_FOUND, decided by the User object.
	{ name: "read a notification", method: "POST", path: "notifications/not-mine/read", auth: "patient" },
	{ name: "me live", method: "GET", path: "me/live", query: () => "ticket=not-a-ticket" },
	{ name: "openapi", method: "GET", path: "openapi.json" },
	{ name: "unknown route", method: "GET", path: "nothing/{doctor}/here" },
];

function paramValue(w: World, name: string): string {
	const values: Record<Params, string> = {
		doctor: w.doctor.id,
		appointment: w.appointmentId,
		block: w.blockId,
		date: DAY,
	};
	return values[name as Params] ?? name;
}

function baseSpec(w: World, e: Endpoint): Spec {
	const auth: Record<string, Record<string, string>> = {
		admin: ADMIN,
		patient: bearer(w.patient.token),
		doctor: bearer(w.doctor.token),
		stranger: bearer(w.stranger.token),
	};
	return {
		method: e.method,
		segments: e.path.split("/").map((s) => (s.startsWith("{") ? paramValue(w, s.slice(1, -1)) : s)),
		query: e.query?.(w) ?? "",
		headers: {
			...(e.auth ? auth[e.auth] : {}),
			...(e.idempotent ? { "idempotency-key": `fuzz-${Date.now()}-${++keys}` } : {}),
		},
		body: e.body ? { kind: "json", value: e.body(w) } : { kind: "none" },
	};
}

// ---- hostile ingredients -----------------------------------------------------------------------------

const NASTY_STRINGS = [
	"",
	" ",
	"\u0000",
	"a\u0000b",
	"\u202eevil\u202c",
	"\u05e9\u05dc\u05d5\u05dd",
	"\ud800",
	"\udfff",
	"x\ud83dy",
	"\ud83d\ude00",
	"\ufeff",
	"\u200b",
	"e\u0301",
	"𝕏".repeat(300),
	"null",
	"undefined",
	"NaN",
	"-0",
	"1e309",
	"__proto__",
	"constructor",
	"<script>alert(1)</script>",
	"'; DROP TABLE users; --",
	"{{7*7}}",
	"%00",
	"%zz",
	"../../etc/passwd",
	"2027-02-30",
	"9999-12-31",
	"0000-01-01",
	"24:00",
	"23:59",
	"1970-01-01T00:00:00Z",
	"9999-12-29T23:30:00.000Z",
	"+275760-09-13T00:00:00.000Z",
	"2027-03-15T13:00:00.000+14:00",
	"America/New_York",
	"Etc/GMT+14",
	"Mars/Olympus",
	"in_person",
];

const nastyString: fc.Arbitrary<string> = fc.oneof(
	{ weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
	{ weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
	{ weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
	{ weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((n) => "x".repeat(10 ** n)) },
);

const { junk } = fc.letrec<{ junk: unknown }>((tie) => ({
	junk: fc.oneof(
		{ depthSize: "small", withCrossShrink: true },
		nastyString,
		fc.integer(),
		fc.double(),
		fc.boolean(),
		fc.constant(null),
		fc.array(tie("junk"), { maxLength: 4 }),
		fc.dictionary(nastyString, tie("junk"), { maxKeys: 4 }),
	),
}));

/** Whole bodies that are not what any endpoint takes. */
const junkBody: fc.Arbitrary<Body> = fc.oneof(
	junk.map((value): Body => ({ kind: "json", value })),
	fc.string({ unit: "binary", maxLength: 200 }).map((text): Body => ({ kind: "text", text })),
	fc.uint8Array({ maxLength: 200 }).map((bytes): Body => ({ kind: "bytes", bytes })),
	fc
		.constantFrom(
			"",
			"{",
			"}",
			"[",
			"nul",
			"{'a': 1}",
			'{"a": 1,}',
			'{"a": NaN}',
			'{"a": 1e99999}',
			'{"a": 123456789012345678901234567890}',
			'"\\ud800"',
			'{"\\u0000": 1}',
			"\ufeff{}",
			`${"[".repeat(20_000)}${"]".repeat(20_000)}`,
			`${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`,
			`{"a": "${"y".repeat(70 * 1024)}"}`,
		)
		.map((text): Body => ({ kind: "text", text })),
);

const CONTENT_TYPES = [
	"text/plain",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=xyz",
	"application/json; charset=utf-16",
	"application/json; charset=latin1",
	"APPLICATION/JSON",
	"application/jsonp",
	"application/json;;",
	"application/merge-patch+json",
	"*/*",
	"",
];

/** Header values a client can send: no CR, LF or NUL, and bytes only. */
const headerValue = fc.oneof(
	fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
	fc.integer({ min: 1, max: 4 }).map((n) => "k".repeat(10 ** n)),
	fc.constantFrom("", " ", "\t", "null", "Bearer", "websocket", "-1", "1.2.3.4, 5.6.7.8", "::1"),
);

/** A hostile segment, as written into the URL: percent-encoded text, or raw (malformed) %-sequences. */
const segment = fc.oneof(
	nastyString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\u00ff"))),
	fc.constantFrom(
		"%",
		"%zz",
		"%00",
		"%2e%2e",
		"%2F",
		"..%2F..",
		"%C0%AF",
		"%ED%A0%80",
		"%FF%FE",
		"%E2%80%AE",
		"%20",
		"a%",
		"%%",
		".",
		"x".repeat(5_000),
		"0000000000000000",
		"no-such-doctor",
		"abc.2027-02-30.abcdefgh12",
		"no-such.2030-01-01.abcdefgh12",
		"no-such.9999-12-31.abcdefgh12",
	),
);

const query = fc.oneof(
	fc.constantFrom(
		"from=2027-02-30&to=2027-03-01",
		`from=${DAY}&from=${DAY}&to=${DAY}`,
		`from[]=${DAY}&to=${DAY}`,
		"from=&to=",
		"from=1970-01-01&to=1970-03-03",
		"from=9999-12-01&to=9999-12-31",
		`from=${inDays(10)}&to=${DAY}`,
		"to=%zz&from=%",
		"token=%00",
		"ticket=%00",
		`ticket=${"t".repeat(5_000)}`,
		"a=1&a=2&a=3",
		"&&&==",
	),
	fc
		.array(fc.tuple(fc.constantFrom("from", "to", "token", "ticket", "x", "__proto__"), nastyString), {
			maxLength: 4,
		})
		.map((pairs) =>
			pairs.map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, "?"))}`).join("&"),
		),
);

/** Raw JSON text of `value` with one key written twice: one copy junk, the other the real value. */
function withDuplicateKey(
	value: Record<string, unknown>,
	key: string,
	junkValue: unknown,
	junkFirst: boolean,
): string {
	const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
	const extra = `${JSON.stringify(key)}:${JSON.stringify(junkValue) ?? "null"}`;
	const real = key in value ? `${JSON.stringify(key)}:${JSON.stringify(value[key])}` : extra;
	const rest = entries.filter((e) => !e.startsWith(`${JSON.stringify(key)}:`));
	return `{${(junkFirst ? [extra, ...rest, real] : [real, ...rest, extra]).join(",")}}`;
}

type Mutation = (spec: Spec, w: World) => Spec;

const fieldName = (spec: Spec, pick: number, fallback: string) => {
	const keys = spec.body.kind === "json" && isRecord(spec.body.value) ? Object.keys(spec.body.value) : [];
	return keys.length === 0 ? fallback : (keys[pick % keys.length] as string);
};

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The body changed by `change` when it is a JSON object; other requests pass unchanged. */
function inBody(spec: Spec, change: (value: Record<string, unknown>) => Body): Spec {
	if (spec.body.kind !== "json" || !isRecord(spec.body.value)) return spec;
	return { ...spec, body: change(spec.body.value) };
}

/** A mutation that prints as what it does, so a failing case reads as a list of changes. */
interface Named {
	name: string;
	mutate: Mutation;
}

const named = (name: string, mutate: Mutation): Named =>
	Object.assign({ name, mutate }, { [fc.toStringMethod]: () => name });

/** A value in a few characters, for mutation names. */
const short = (value: unknown) => {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 60 ? `${text.slice(0, 60)}…(${text.length})` : text;
};

/** One hostile change to a request, weighted towards the ones that reach deeper than routing. */
const mutation: fc.Arbitrary<Named> = fc.oneof(
	{
		weight: 2,
		arbitrary: junkBody.map((body) =>
			named(`junk body ${short(body)}`, (s) => ({ ...s, body: s.method === "GET" ? s.body : body })),
		),
	},
	{
		weight: 4,
		arbitrary: fc
			.tuple(fc.nat(), junk)
			.map(([pick, value]) =>
				named(`junk field #${pick} = ${short(value)}`, (s) =>
					inBody(s, (body) => ({ kind: "json", value: { ...body, [fieldName(s, pick, "x")]: value } })),
				),
			),
	},
	{
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom(
					"__proto__",
					"constructor",
					"patient_id",
					"status",
					"role",
					"is_approved",
					"id",
					"extra",
				),
				junk,
			)
			.map(([key, value]) =>
				named(`extra field ${key} = ${short(value)}`, (s) =>
					inBody(s, (body) => ({ kind: "text", text: withDuplicateKey(body, key, value, true) })),
				),
			),
	},
	{
		weight: 2,
		arbitrary: fc.tuple(fc.nat(), junk, fc.boolean()).map(([pick, value, junkFirst]) =>
			named(`duplicate key #${pick} = ${short(value)}${junkFirst ? " first" : " last"}`, (s) =>
				inBody(s, (body) => ({
					kind: "text",
					text: withDuplicateKey(body, fieldName(s, pick, "x"), value, junkFirst),
				})),
			),
		),
	},
	{
		weight: 1,
		arbitrary: fc.constantFrom(...CONTENT_TYPES).map((type) =>
			named(`content type ${short(type)}`, (s) => ({
				...s,
				headers: { ...s.headers, "content-type": type },
			})),
		),
	},
	{
		weight: 2,
		arbitrary: fc.tuple(fc.nat(), segment).map(([pick, value]) =>
			named(`path segment #${pick} = ${short(value)}`, (s) => {
				const segments = [...s.segments];
				segments[1 + (pick % Math.max(1, segments.length - 1))] = value;
				return { ...s, segments };
			}),
		),
	},
	{ weight: 2, arbitrary: query.map((q) => named(`query ${short(q)}`, (s) => ({ ...s, query: q }))) },
	{
		weight: 2,
		arbitrary: fc.nat().map((pick) =>
			named(`authorization #${pick}`, (s, w) => ({
				...s,
				headers: { ...s.headers, authorization: w.authorizations[pick % w.authorizations.length] as string },
			})),
		),
	},
	{
		weight: 1,
		arbitrary: headerValue.map((value) =>
			named(`authorization ${short(value)}`, (s) => ({
				...s,
				headers: { ...s.headers, authorization: value },
			})),
		),
	},
	{
		weight: 2,
		arbitrary: fc
			.tuple(
				fc.constantFrom(
					"idempotency-key",
					"upgrade",
					"cf-connecting-ip",
					"x-forwarded-for",
					"accept",
					"origin",
					"cookie",
					"x-docslot-day-config",
				),
				headerValue,
			)
			.map(([name, value]) =>
				named(`header ${name}: ${short(value)}`, (s) => ({ ...s, headers: { ...s.headers, [name]: value } })),
			),
	},
	{
		// A different method mostly meets no route, so it comes now and then.
		weight: 1,
		arbitrary: fc
			.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
			.map((method) => named(`method ${method}`, (s) => ({ ...s, method }))),
	},
);

// ---- hostile free text --------------------------------------------------------------------------------

/** Every free-text field, sent by someone allowed to set it, so only the text rule can refuse it. */
interface TextField {
	name: string;
	/** The body field the text goes in, which the error message must name. */
	field: string;
	endpoint: Endpoint;
	/** The body with `text` in the field; anything else in it would be accepted. */
	body: (w: World, text: string) => Record<string, unknown>;
}

const freshEmail = () => `fuzz-${Date.now()}-${++keys}@docslot.test`;

const TEXT_FIELDS: TextField[] = [
	{
		name: "register name",
		field: "name",
		endpoint: { name: "register", method: "POST", path: "auth/register" },
		body: (_w, name) => ({ email: freshEmail(), password: "long-enough-pass", name }),
	},
	...(["name", "specialty"] as const).flatMap((field): TextField[] => [
		{
			name: `create doctor ${field}`,
			field,
			endpoint: { name: "create doctor", method: "POST", path: "doctors", auth: "admin" },
			body: (_w, text) => ({
				name: "Dr. Fuzz",
				email: freshEmail(),
				password: "doctor-pass-123",
				[field]: text,
			}),
		},
		{
			name: `patch doctor ${field}`,
			field,
			endpoint: { name: "patch doctor", method: "PATCH", path: "doctors/{doctor}", auth: "admin" },
			body: (_w, text) => ({ [field]: text }),
		},
	]),
	{
		name: "unavailability reason",
		field: "reason",
		endpoint: { name: "add", method: "POST", path: "doctors/{doctor}/unavailability", auth: "admin" },
		body: (_w, reason) => ({ date: DAY, start: "12:00", end: "13:00", reason }),
	},
	{
		name: "patched unavailability reason",
		field: "reason",
		endpoint: {
			name: "patch",
			method: "PATCH",
			path: "doctors/{doctor}/unavailability/{block}",
			auth: "admin",
		},
		body: (_w, reason) => ({ reason }),
	},
	{
		name: "booking reason",
		field: "reason",
		endpoint: { name: "book", method: "POST", path: "appointments", auth: "patient", idempotent: true },
		body: (w, reason) => ({ doctor_id: w.doctor.id, start: at(DAY, "11:00"), reason }),
	},
];

/** The text as JSON with the invisible characters JSON leaves raw written as \u escapes. */
const visible = (text: string) =>
	JSON.stringify(text).replace(
		/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
		(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
	);

const codeUnits = (ranges: Array<[number, number]>) =>
	fc.oneof(...ranges.map(([min, max]) => fc.integer({ min, max }))).map((c) => String.fromCharCode(c));

/** One thing the text rule refuses; \t, \n and \r are left out, since reasons may hold line breaks. */
const refusedPiece: fc.Arbitrary<string> = fc.oneof(
	codeUnits([
		[0x00, 0x08],
		[0x0b, 0x0c],
		[0x0e, 0x1f],
		[0x7f, 0x9f],
		[0x2028, 0x2029],
	]),
	codeUnits([
		[0x202a, 0x202e],
		[0x2066, 0x2069],
	]),
	codeUnits([[0xd800, 0xdfff]]),
	fc
		.array(
			codeUnits([
				[0x0300, 0x036f],
				[0x0483, 0x0489],
				[0x1ab0, 0x1abe],
				[0x20d0, 0x20f0],
				[0xfe20, 0xfe2f],
			]),
			{ minLength: 4, maxLength: 40 },
		)
		.map((marks) => marks.join("")),
);

/** Ordinary-looking text with refused pieces inside it (never at the ends, where trimming would drop them). */
const hostileText: fc.Arbitrary<string> = fc
	.tuple(
		fc.string({ unit: "grapheme", maxLength: 12 }),
		fc.array(refusedPiece, { minLength: 1, maxLength: 3 }),
		fc.string({ unit: "grapheme", maxLength: 12 }),
	)
	.map(([before, pieces, after]) => `${before}a${pieces.join("b")}z${after}`);

// ---- sending and reading back ------------------------------------------------------------------------

function toRequest(spec: Spec): Request {
	const url = `http://docslot.test/api/${spec.segments.join("/")}${spec.query === "" ? "" : `?${spec.query}`}`;
	const headers = new Headers(spec.headers);
	let body: BodyInit | undefined;
	const bodyless = spec.method === "GET" || spec.method === "HEAD";
	if (!bodyless && spec.body.kind !== "none") {
		if (!headers.has("content-type")) headers.set("content-type", "application/json");
		if (spec.body.kind === "json") body = JSON.stringify(spec.body.value) ?? "null";
		else if (spec.body.kind === "text") body = spec.body.text;
		else body = spec.body.bytes;
	}
	return new Request(url, { method: spec.method, headers, body });
}

/** Every table of the app's D1 database (new ones included as migrations add them). */
async function allTables(): Promise<string[]> {
	const { results } = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
	).all<{ name: string }>();
	return results.map((r) => r.name);
}

/**
 * Everything a request could change: the whole D1 database, the target doctor-day, the fixture appointment.
 * Taken once the day has delivered its events, so an earlier request's projection (written after its answer)
 * is not taken for this one's doing.
 */
async function snapshot(w: World) {
	const day = doctorDay(env, w.doctor.id, DAY);
	await eventually(async () => (await day.eventBacklog()).pending === 0);
	const tables = await allTables();
	const dumps = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM "${t}" ORDER BY rowid`)));
	const view = await api("GET", `/api/doctors/${w.doctor.id}/availability/date/${DAY}`);
	const appointment = await api("GET", `/api/appointments/${w.appointmentId}`, { headers: ADMIN });
	return {
		d1: Object.fromEntries(tables.map((t, i) => [t, dumps[i]?.results])),
		day: [view.status, view.body],
		appointment: [appointment.status, appointment.body],
	};
}

function describeSpec(spec: Spec): string {
	const body =
		spec.body.kind === "none"
			? ""
			: spec.body.kind === "bytes"
				? ` <${spec.body.bytes.length} bytes>`
				: ` ${(spec.body.kind === "json" ? JSON.stringify(spec.body.value) : spec.body.text)?.slice(0, 300)}`;
	return `${spec.method} /api/${spec.segments.join("/")}${spec.query ? `?${spec.query}` : ""} ${JSON.stringify(spec.headers).slice(0, 300)}${body}`;
}

let baseline: Awaited<ReturnType<typeof snapshot>> | undefined;

async function sendAndCheck(spec: Spec): Promise<{ status: number; text: string }> {
	const w = world;
	baseline ??= await snapshot(w);
	const request = toRequest(spec);
	const response = await exports.default.fetch(request);
	const socket = response.webSocket;
	if (socket !== null) {
		socket.accept();
		socket.close(1000, "fuzz done");
	}
	const text = socket === null ? await response.text() : "";
	const what = `${describeSpec(spec)}\n→ ${response.status} ${text.slice(0, 500)}`;
	expect(response.status, what).toBeLessThan(500);
	if (response.status >= 400 && spec.method !== "HEAD" && new URL(request.url).pathname.startsWith("/api/")) {
		let parsed: { error?: { code?: unknown; message?: unknown } } = {};
		try {
			parsed = JSON.parse(text);
		} catch {}
		expect(typeof parsed.error?.code, what).toBe("string");
		expect(typeof parsed.error?.message, what).toBe("string");
	}
	const before = baseline;
	baseline = await snapshot(w);
	if (response.status >= 400) expect(baseline, `a rejected request changed state: ${what}`).toEqual(before);
	return { status: response.status, text };
}

beforeAll(async () => {
	const [doctor, patient, stranger] = await Promise.all([createDoctor(), createPatient(), createPatient()]);
	const booked = await api("POST", "/api/appointments", {
		headers: bearer(patient.token),
		body: { doctor_id: doctor.id, start: at(DAY, "10:00") },
	});
	expect(booked.status).toBe(201);
	const blocked = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
		headers: ADMIN,
		body: { date: DAY, start: "14:00", end: "15:00" },
	});
	expect(blocked.status).toBe(201);
	const secret = env.AUTH_SECRET;
	const now = Math.floor(Date.now() / 1000);
	const b64 = (value: unknown) =>
		btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
	const claims = { sub: patient.id, role: "patient", doctor_id: null, iat: now, exp: now + 3600 };
	const authorizations = [
		`Bearer ${patient.token}`,
		`Bearer ${doctor.token}`,
		`Bearer ${await issueToken({ userId: "someone-else", role: "patient", doctorId: null }, secret)}`,
		`Bearer ${await issueToken({ userId: "u", role: "doctor", doctorId: "other-doctor" }, secret)}`,
		`Bearer ${await sign(claims, "not-the-secret", "HS256")}`,
		`Bearer ${await sign({ ...claims, exp: now - 10 }, secret, "HS256")}`,
		`Bearer ${await sign({ ...claims, role: "superadmin" }, secret, "HS256")}`,
		`Bearer ${await sign({ ...claims, sub: 42 }, secret, "HS256")}`,
		`Bearer ${await sign({ ...claims, nbf: now + 3600 }, secret, "HS256")}`,
		`Bearer ${await sign(claims, secret, "HS512")}`,
		`Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
		`Bearer ${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.${"A".repeat(43)}`,
		`Bearer ${patient.token.slice(0, -2)}`,
		`Bearer ${env.ADMIN_TOKEN} `,
		`Bearer ${env.ADMIN_TOKEN}x`,
		`Bearer ${env.ADMIN_TOKEN.slice(0, -1)}`,
		`bearer ${env.ADMIN_TOKEN}`,
		`Bearer  ${env.ADMIN_TOKEN}`,
		`Basic ${btoa("admin:admin")}`,
		"Bearer a.b.c",
		"Bearer ....",
		`Bearer ${"x".repeat(5_000)}`,
		"Bearer",
		"",
	];
	world = {
		doctor,
		patient,
		stranger,
		appointmentId: booked.body.appointment.id,
		blockId: blocked.body.unavailability.id,
		authorizations,
	};
});

describe("hostile HTTP input: never a 5xx, and a rejected request changes nothing", () => {
	it(
		"every endpoint, with one to three hostile changes to body, fields, keys, types, path, query, headers or method",
		async () => {
			const request = fc.record({
				endpoint: fc.constantFrom(
					...ENDPOINTS.map((e) => Object.assign(e, { [fc.toStringMethod]: () => e.name })),
				),
				mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
			});
			await fc.assert(
				fc.asyncProperty(request, async ({ endpoint, mutations }) => {
					const spec = mutations.reduce((s, m) => m.mutate(s, world), baseSpec(world, endpoint));
					await sendAndCheck(spec);
				}),
				runs(120),
			);
		},
		timeLimit(120_000),
	);

	it.each(ENDPOINTS.map((e) => [e.name, e] as const))(
		"%s: whole junk bodies and every content type",
		async (_name, endpoint) => {
			await fc.assert(
				fc.asyncProperty(
					junkBody,
					fc.constantFrom(...CONTENT_TYPES, "application/json"),
					async (body, type) => {
						const base = baseSpec(world, endpoint);
						const method = base.method === "GET" ? "POST" : base.method;
						await sendAndCheck({ ...base, method, body, headers: { ...base.headers, "content-type": type } });
					},
				),
				{ ...runs(6), endOnFailure: true },
			);
		},
		timeLimit(60_000),
	);

	it(
		"hostile text in every free-text field is a 400 naming the field, and changes nothing",
		async () => {
			const field = fc.constantFrom(
				...TEXT_FIELDS.map((f) => Object.assign(f, { [fc.toStringMethod]: () => f.name })),
			);
			await fc.assert(
				fc.asyncProperty(field, hostileText, async (f, text) => {
					const spec = { ...baseSpec(world, f.endpoint), body: { kind: "json", value: f.body(world, text) } };
					const { status, text: answer } = await sendAndCheck(spec as Spec);
					const what = `${f.name} ${visible(text)} → ${status} ${answer.slice(0, 300)}`;
					expect(status, what).toBe(400);
					const { error } = JSON.parse(answer);
					expect(error.code, what).toBe("VALIDATION_ERROR");
					expect(error.message, what).toMatch(new RegExp(`^${f.field}: Must `));
				}),
				runs(120),
			);
		},
		timeLimit(120_000),
	);

	it("still books afterwards", async () => {
		const [doctor, patient] = await Promise.all([createDoctor(), createPatient()]);
		const booking = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(DAY, "11:30") },
		});
		expect(booking.status, JSON.stringify(booking.body)).toBe(201);
	});
});
