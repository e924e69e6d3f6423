// Free text through the API: hostile text is a 400 naming its field, and accepted text is stored in NFC.
import { describe, expect, it } from "vitest";
import { ADMIN, api, at, bearer, type Call, createDoctor, createPatient, inDays, unique } from "../helpers";

const acute = "\u0301";
const DECOMPOSED = `Jose${acute} Marti${acute}nez`;
const COMPOSED = "José Martínez";
const OVERRIDE = "scan\u202egnp.exe";

function expectOk(call: Call, status: number) {
	expect(call.status, JSON.stringify(call.body)).toBe(status);
}

interface Field {
	name: string;
	field: string;
	send: (text: string) => Promise<Call>;
}

const newDoctor = (fields: Record<string, unknown>) =>
	api("POST", "/api/doctors", {
		headers: ADMIN,
		body: {
			name: "Dr. Text",
			email: `${unique("text")}@docslot.test`,
			password: "doctor-pass-123",
			...fields,
		},
	});

async function fields(): Promise<Field[]> {
	const [doctor, patient] = await Promise.all([createDoctor(), createPatient()]);
	const date = inDays(6);
	const block = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
		headers: ADMIN,
		body: { date, start: "16:00", end: "17:00" },
	});
	expectOk(block, 201);
	const blockPath = `/api/doctors/${doctor.id}/unavailability/${block.body.unavailability.id}`;
	return [
		{
			name: "register",
			field: "name",
			send: (name) =>
				api("POST", "/api/auth/register", {
					body: { email: `${unique("text")}@example.com`, password: "long-enough-pass", name },
				}),
		},
		{ name: "create doctor", field: "name", send: (name) => newDoctor({ name }) },
		{ name: "create doctor", field: "specialty", send: (specialty) => newDoctor({ specialty }) },
		{
			name: "patch doctor",
			field: "name",
			send: (name) => api("PATCH", `/api/doctors/${doctor.id}`, { headers: ADMIN, body: { name } }),
		},
		{
			name: "patch doctor",
			field: "specialty",
			send: (specialty) => api("PATCH", `/api/doctors/${doctor.id}`, { headers: ADMIN, body: { specialty } }),
		},
		{
			name: "add block",
			field: "reason",
			send: (reason) =>
				api("POST", `/api/doctors/${doctor.id}/unavailability`, {
					headers: ADMIN,
					body: { date, start: "09:00", end: "09:30", reason },
				}),
		},
		{
			name: "patch block",
			field: "reason",
			send: (reason) => api("PATCH", blockPath, { headers: ADMIN, body: { reason } }),
		},
		{
			name: "book",
			field: "reason",
			send: (reason) =>
				api("POST", "/api/appointments", {
					headers: bearer(patient.token),
					body: { doctor_id: doctor.id, start: at(date, "10:00"), reason },
				}),
		},
	];
}

describe("hostile text is a 400 VALIDATION_ERROR that names the field", () => {
	it("in every free-text field", async () => {
		for (const { name, field, send } of await fields()) {
			const call = await send(OVERRIDE);
			expect({ status: call.status, code: call.body.error?.code }, name).toEqual({
				status: 400,
				code: "VALIDATION_ERROR",
			});
			expect(call.body.error.message, name).toBe(
				`${field}: Must not contain bidirectional override or isolate characters (found U+202E).`,
			);
			expect(call.body.error.issues, name).toEqual([{ path: field, message: expect.any(String) }]);
		}
	});
});

describe("accepted text is stored trimmed and in NFC", () => {
	it("in every free-text field", async () => {
		const stored = await Promise.all((await fields()).map((f) => f.send(`  ${DECOMPOSED} `)));
		for (const call of stored) expect(call.status, JSON.stringify(call.body)).toBeLessThan(300);
		const [registered, created, withSpecialty, renamed, respecialised, blocked, reblocked, booked] = stored;
		expect(registered?.body.user.name).toBe(COMPOSED);
		expect(created?.body.doctor.name).toBe(COMPOSED);
		expect(withSpecialty?.body.doctor.specialty).toBe(COMPOSED);
		expect(renamed?.body.doctor.name).toBe(COMPOSED);
		expect(respecialised?.body.doctor.specialty).toBe(COMPOSED);
		expect(blocked?.body.unavailability.reason).toBe(COMPOSED);
		expect(reblocked?.body.unavailability.reason).toBe(COMPOSED);
		expect(booked?.body.appointment.reason).toBe(COMPOSED);

		const doctorId = created?.body.doctor.id;
		const read = await api("GET", `/api/doctors/${doctorId}`, { headers: ADMIN });
		expect(read.body.doctor.name).toBe(COMPOSED);
		const appointment = await api("GET", `/api/appointments/${booked?.body.appointment.id}`, {
			headers: ADMIN,
		});
		expect(appointment.body.appointment.reason).toBe(COMPOSED);
	});

	it("keeps line breaks and tabs in reasons, with CRLF as LF", async () => {
		const doctor = await createDoctor();
		const block = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: bearer(doctor.token),
			body: { date: inDays(6), start: "09:00", end: "10:00", reason: "Leave\r\n\tback on Monday" },
		});
		expectOk(block, 201);
		expect(block.body.unavailability.reason).toBe("Leave\n\tback on Monday");
	});
});
