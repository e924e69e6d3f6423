// Demo data for a fresh local database: one patient, three clinics, and six approved doctors (three of them
// at the clinics) with their own logins.
// Everything here is literal demo data; every value still goes through sqlValue() so quoting is always safe.
import { pbkdf2Sync, randomBytes } from "node:crypto";

const PBKDF2_ITERATIONS = 100_000;
const PATIENT_PASSWORD = "patient-demo-pass";
const DOCTOR_PASSWORD = "doctor-demo-pass";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** The demo patient. */
const PATIENT = {
	role: "patient",
	email: "patient@docslot.test",
	password: PATIENT_PASSWORD,
	name: "Pat Demo",
};

/** Demo clinics (hospitals whose doctors see 15, 20 and 25 patients a slot), each with its closed days. */
export const DEMO_CLINICS = [
	{
		id: "clinic-st-marys",
		name: "St. Mary's Hospital",
		timezone: "Europe/London",
		defaultCapacity: 15,
		closedWeekdays: ["sunday"],
		holidays: ["2026-12-25", "2026-12-26", "2027-01-01"],
	},
	{
		id: "clinic-lakeside",
		name: "Lakeside General",
		timezone: "America/New_York",
		defaultCapacity: 20,
		closedWeekdays: ["friday"],
		holidays: ["2026-12-25", "2027-01-01"],
	},
	{
		id: "clinic-city-health",
		name: "City Health Centre",
		timezone: "Asia/Kolkata",
		defaultCapacity: 25,
		closedWeekdays: [],
		holidays: ["2027-01-26"],
	},
];

const weekdaysAt = (ranges) =>
	Object.fromEntries(["monday", "tuesday", "wednesday", "thursday", "friday"].map((day) => [day, ranges]));

/** Demo doctors: different time zones, slot lengths, capacities and weekly shapes; the last three work at the clinics. */
export const DEMO_DOCTORS = [
	{
		// A general practitioner with a morning and an afternoon session on weekdays.
		id: "dr-ines-okafor",
		name: "Dr. Ines Okafor",
		specialty: "General practice",
		email: "dr.okafor@docslot.test",
		timezone: "Europe/London",
		slotMinutes: 30,
		capacity: 1,
		horizonDays: 60,
		weekly: {
			monday: [
				["09:00", "12:00"],
				["14:00", "17:00"],
			],
			tuesday: [
				["09:00", "12:00"],
				["14:00", "17:00"],
			],
			wednesday: [["09:00", "12:00"]],
			thursday: [
				["09:00", "12:00"],
				["14:00", "17:00"],
			],
			friday: [
				["09:00", "12:00"],
				["13:30", "16:00"],
			],
		},
	},
	{
		// A specialist with 20-minute consultations in India, six days a week.
		id: "dr-arjun-mehta",
		name: "Dr. Arjun Mehta",
		specialty: "Dermatology",
		email: "dr.mehta@docslot.test",
		timezone: "Asia/Kolkata",
		slotMinutes: 20,
		capacity: 1,
		horizonDays: 45,
		weekly: {
			monday: [["10:00", "13:00"]],
			tuesday: [["10:00", "13:00"]],
			wednesday: [["15:00", "19:00"]],
			thursday: [["10:00", "13:00"]],
			friday: [["15:00", "19:00"]],
			saturday: [["09:00", "12:00"]],
		},
	},
	{
		// A group vaccination clinic: five patients share each 15-minute slot.
		id: "dr-maria-santos",
		name: "Dr. Maria Santos",
		specialty: "Vaccination clinic",
		email: "dr.santos@docslot.test",
		timezone: "America/New_York",
		slotMinutes: 15,
		capacity: 5,
		horizonDays: 90,
		weekly: {
			tuesday: [["08:00", "12:00"]],
			thursday: [
				["08:00", "11:00"],
				["16:00", "19:00"],
			],
			saturday: [["09:00", "13:00"]],
		},
	},
	...DEMO_CLINICS.map((clinic, i) => ({
		id: `dr-${["hughes", "reyes", "iyer"][i]}`,
		name: ["Dr. Owen Hughes", "Dr. Lucia Reyes", "Dr. Kavya Iyer"][i],
		specialty: ["Outpatients", "Family medicine", "General medicine"][i],
		email: `dr.${["hughes", "reyes", "iyer"][i]}@docslot.test`,
		clinicId: clinic.id,
		timezone: clinic.timezone,
		slotMinutes: 30,
		capacity: clinic.defaultCapacity,
		horizonDays: 60,
		weekly: {
			...weekdaysAt([["09:00", "12:00"]]),
			saturday: [["10:00", "12:00"]],
			sunday: [["10:00", "12:00"]],
		},
	})),
];

/** Every demo login, for printing: {role, email, password, name}. */
export const DEMO_LOGINS = [
	PATIENT,
	...DEMO_DOCTORS.map((d) => ({ role: "doctor", email: d.email, password: DOCTOR_PASSWORD, name: d.name })),
];

/** "pbkdf2-sha256$100000$<salt base64>$<hash base64>", the format src/api/passwords.ts verifies. */
export function hashPassword(password) {
	const salt = randomBytes(16);
	const hash = pbkdf2Sync(password, salt, PBKDF2_ITERATIONS, 32, "sha256");
	return ["pbkdf2-sha256", PBKDF2_ITERATIONS, salt.toString("base64"), hash.toString("base64")].join("$");
}

function newId() {
	return randomBytes(8).toString("hex");
}

/** One SQL literal: strings are single-quoted with embedded quotes doubled; booleans are 1/0. */
export function sqlValue(value) {
	if (value === null || value === undefined) return "NULL";
	if (typeof value === "boolean") return value ? "1" : "0";
	if (typeof value === "number") {
		if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
		return String(value);
	}
	if (typeof value === "string") {
		if (value.includes("\0")) throw new Error("NUL byte in SQL string");
		return `'${value.replaceAll("'", "''")}'`;
	}
	throw new Error(`unsupported SQL value: ${typeof value}`);
}

function insert(table, row) {
	const columns = Object.keys(row);
	for (const c of [table, ...columns]) {
		if (!/^[a-z_]+$/.test(c)) throw new Error(`bad SQL identifier: ${c}`);
	}
	const values = columns.map((c) => sqlValue(row[c]));
	const names = columns.map((c) => `"${c}"`).join(", ");
	return `INSERT OR IGNORE INTO "${table}" (${names}) VALUES (${values.join(", ")});`;
}

/**
 * SQL that inserts the demo patient, the demo doctors, their weekly schedules and their doctor logins.
 * Users come last, so a run that failed half-way is retried by the next start (it seeds while `users`
 * is empty) and INSERT OR IGNORE skips what is already there.
 */
export function buildSeedSql(now = new Date()) {
	const at = now.toISOString();
	const lines = ["-- docslot demo data (scripts/seed.mjs)"];

	for (const c of DEMO_CLINICS) {
		lines.push(
			insert("clinics", {
				id: c.id,
				name: c.name,
				timezone: c.timezone,
				default_capacity: c.defaultCapacity,
				closed_weekdays: JSON.stringify(c.closedWeekdays),
				holidays: JSON.stringify(c.holidays),
				created_at: at,
				updated_at: at,
			}),
		);
	}
	for (const d of DEMO_DOCTORS) {
		lines.push(
			insert("doctors", {
				id: d.id,
				name: d.name,
				specialty: d.specialty,
				is_available: true,
				is_approved: true,
				timezone: d.timezone,
				slot_minutes: d.slotMinutes,
				capacity: d.capacity,
				horizon_days: d.horizonDays,
				clinic_id: d.clinicId ?? null,
				config_version: 1,
				created_at: at,
				updated_at: at,
			}),
		);
		for (const [day, ranges] of Object.entries(d.weekly)) {
			const weekday = WEEKDAYS.indexOf(day);
			if (weekday < 0) throw new Error(`bad weekday: ${day}`);
			for (const [start, end] of ranges) {
				lines.push(insert("schedule_ranges", { doctor_id: d.id, weekday, start, end }));
			}
		}
	}

	lines.push(
		insert("users", {
			id: newId(),
			email: PATIENT.email.toLowerCase(),
			name: PATIENT.name,
			role: "patient",
			password_hash: hashPassword(PATIENT.password),
			doctor_id: null,
			created_at: at,
		}),
	);
	for (const d of DEMO_DOCTORS) {
		lines.push(
			insert("users", {
				id: newId(),
				email: d.email.toLowerCase(),
				name: d.name,
				role: "doctor",
				password_hash: hashPassword(DOCTOR_PASSWORD),
				doctor_id: d.id,
				created_at: at,
			}),
		);
	}
	return `${lines.join("\n")}\n`;
}
