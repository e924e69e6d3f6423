// The FHIR R4 read API over HTTP: resources and searchsets checked against R4's required elements, Slot
// statuses against a known day, authorization as for the JSON API, and every bad parameter a 4xx
// OperationOutcome (never a 5xx, never the JSON API's error shape).
import { describe, expect, it } from "vitest";
import { addDays } from "../../src/core/time";
import { expectR4 } from "../fhir-shapes";
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
	tampered,
} from "../helpers";

const FHIR_TYPE = "application/fhir+json; charset=utf-8";

function expectFhir(call: Call, status: number, resourceType: string) {
	expect(call.status).toBe(status);
	expect(call.headers.get("content-type")).toBe(FHIR_TYPE);
	expect(call.body.resourceType).toBe(resourceType);
	expectR4(call.body);
}

function expectOutcome(call: Call, status: number, code: string) {
	expectFhir(call, status, "OperationOutcome");
	expect(call.body.issue[0]).toMatchObject({ severity: "error", code });
}

describe("metadata, Practitioner and Schedule", () => {
	it("answers the CapabilityStatement to anyone", async () => {
		const call = await api("GET", "/fhir/r4/metadata");
		expectFhir(call, 200, "CapabilityStatement");
		const types = call.body.rest[0].resource.map((r: { type: string }) => r.type);
		expect(types).toEqual(["Practitioner", "Schedule", "Slot", "Appointment"]);
	});

	it("reads a Practitioner and finds its Schedule; an unapproved doctor only for admins", async () => {
		const doctor = await createDoctor({ horizon_days: 30 });
		const read = await api("GET", `/fhir/r4/Practitioner/${doctor.id}`);
		expectFhir(read, 200, "Practitioner");
		expect(read.body).toEqual({
			resourceType: "Practitioner",
			id: doctor.id,
			active: true,
			name: [{ text: "Dr. Test" }],
		});

		const search = await api("GET", `/fhir/r4/Schedule?actor=Practitioner/${doctor.id}`);
		expectFhir(search, 200, "Bundle");
		expect(search.body.total).toBe(1);
		expect(search.body.entry[0]).toMatchObject({
			fullUrl: `http://docslot.test/fhir/r4/Schedule/${doctor.id}`,
			resource: { id: doctor.id, active: true, planningHorizon: { start: inDays(0), end: inDays(30) } },
			search: { mode: "match" },
		});
		expectFhir(await api("GET", `/fhir/r4/Schedule/${doctor.id}`), 200, "Schedule");

		const hidden = await createDoctor({}, { is_approved: false });
		expectOutcome(await api("GET", `/fhir/r4/Practitioner/${hidden.id}`), 404, "not-found");
		expect((await api("GET", `/fhir/r4/Schedule?actor=${hidden.id}`)).body.total).toBe(0);
		expectFhir(
			await api("GET", `/fhir/r4/Practitioner/${hidden.id}`, { headers: ADMIN }),
			200,
			"Practitioner",
		);
		expectOutcome(await api("GET", "/fhir/r4/Practitioner/no-such-doctor"), 404, "not-found");
		expect((await api("GET", "/fhir/r4/Schedule?actor=Practitioner/no-such-doctor")).body.total).toBe(0);
	});

	it.each([
		["/fhir/r4/Schedule", 400, "invalid"],
		["/fhir/r4/Schedule?actor=Patient/x", 400, "invalid"],
		["/fhir/r4/Schedule?actor=a&actor=b", 400, "invalid"],
		["/fhir/r4/Patient/x", 404, "not-found"],
		[`/fhir/r4/Practitioner/${"x".repeat(500)}`, 404, "not-found"],
		["/fhir/r4/Practitioner/A%20B", 404, "not-found"],
		["/fhir/r4/Slot/x", 404, "not-found"],
	])("GET %s → %i %s", async (path, status, code) => {
		expectOutcome(await api("GET", path), status, code);
	});

	it("answers other methods with a 404 OperationOutcome, and a bad token with 401", async () => {
		expectOutcome(await api("POST", "/fhir/r4/Slot", { body: {} }), 404, "not-found");
		expectOutcome(await api("GET", "/fhir/r4/metadata", { headers: bearer("junk") }), 401, "login");
	});
});

describe("Slot search", () => {
	it("is free, busy and busy-unavailable as the day object has it", async () => {
		const doctor = await createDoctor({ weekly: allWeek([{ start: "09:00", end: "11:00" }]) });
		const patient = await createPatient();
		const date = inDays(3);
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "09:00") },
		});
		expect(booked.status).toBe(201);
		const blocked = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: ADMIN,
			body: { date, start: "10:00", end: "11:00", reason: "Meeting" },
		});
		expect(blocked.status).toBe(201);

		const query = `schedule=Schedule/${doctor.id}&start=ge${date}&start=lt${addDays(date, 1)}`;
		const call = await api("GET", `/fhir/r4/Slot?${query}`);
		expectFhir(call, 200, "Bundle");
		expect(call.body.link).toEqual([{ relation: "self", url: `http://docslot.test/fhir/r4/Slot?${query}` }]);
		expect(
			call.body.entry.map((e: { resource: { start: string; status: string } }) => [
				e.resource.start,
				e.resource.status,
			]),
		).toEqual([
			[at(date, "09:00"), "busy"],
			[at(date, "09:30"), "free"],
			[at(date, "10:00"), "busy-unavailable"],
			[at(date, "10:30"), "busy-unavailable"],
		]);
		expect(call.body.entry[0].resource.schedule).toEqual({ reference: `Schedule/${doctor.id}` });

		// A dateTime bound cuts inside the day; two days, the second one untouched, read side by side.
		const later = await api(
			"GET",
			`/fhir/r4/Slot?schedule=${doctor.id}&start=ge${date}T09:30:00Z&start=lt${addDays(date, 2)}`,
		);
		expect(later.body.total).toBe(7);
		expect(later.body.entry.at(-1).resource).toMatchObject({
			start: at(addDays(date, 1), "10:30"),
			status: "free",
		});
	});

	it("has no slots beyond the doctor's window, or for an unknown schedule", async () => {
		const doctor = await createDoctor({ horizon_days: 10 });
		const far = inDays(40);
		const beyond = await api(
			"GET",
			`/fhir/r4/Slot?schedule=${doctor.id}&start=ge${far}&start=lt${addDays(far, 3)}`,
		);
		expect(beyond.body.total).toBe(0);
		const unknown = await api(
			"GET",
			`/fhir/r4/Slot?schedule=no-such&start=ge${far}&start=lt${addDays(far, 3)}`,
		);
		expectFhir(unknown, 200, "Bundle");
		expect(unknown.body.total).toBe(0);
	});

	it.each([
		["no schedule", "start=ge2027-03-01&start=lt2027-03-02"],
		["no start", "schedule=Schedule/dr-x"],
		["one end only", "schedule=Schedule/dr-x&start=ge2027-03-01"],
		["more than 31 days", "schedule=Schedule/dr-x&start=ge2027-03-01&start=lt2027-04-02"],
		["a date that does not exist", "schedule=Schedule/dr-x&start=ge2027-02-30&start=lt2027-03-02"],
		["an unknown prefix", "schedule=Schedule/dr-x&start=sa2027-03-01&start=lt2027-03-02"],
		["junk", "schedule=%00&start=%FF"],
	])("%s → 400 OperationOutcome", async (_, query) => {
		expectOutcome(await api("GET", `/fhir/r4/Slot?${query}`), 400, "invalid");
	});
});

describe("Appointment read", () => {
	it("is for its patient, its doctor and admins, with FHIR participant references", async () => {
		const doctor = await createDoctor();
		const other = await createDoctor();
		const [patient, stranger] = [await createPatient(), await createPatient()];
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: {
				doctor_id: doctor.id,
				start: at(inDays(2), "14:00"),
				consultation_mode: "video",
				reason: "Rash",
			},
		});
		const { id } = booked.body.appointment;
		for (const headers of [bearer(patient.token), bearer(doctor.token), ADMIN]) {
			const call = await api("GET", `/fhir/r4/Appointment/${id}`, { headers });
			expectFhir(call, 200, "Appointment");
			expect(call.body).toMatchObject({
				id,
				status: "booked",
				start: at(inDays(2), "14:00"),
				end: at(inDays(2), "14:30"),
				description: "Video consultation",
				reasonCode: [{ text: "Rash" }],
				participant: [
					{ actor: { reference: `Patient/${patient.id}` }, status: "accepted" },
					{ actor: { reference: `Practitioner/${doctor.id}`, display: "Dr. Test" }, status: "accepted" },
				],
			});
		}
		expectOutcome(await api("GET", `/fhir/r4/Appointment/${id}`), 401, "login");
		expectOutcome(
			await api("GET", `/fhir/r4/Appointment/${id}`, { headers: bearer(stranger.token) }),
			403,
			"forbidden",
		);
		expectOutcome(
			await api("GET", `/fhir/r4/Appointment/${id}`, { headers: bearer(other.token) }),
			403,
			"forbidden",
		);
		expectOutcome(
			await api("GET", `/fhir/r4/Appointment/${tampered(id)}`, { headers: ADMIN }),
			404,
			"not-found",
		);

		await api("POST", `/api/appointments/${id}/cancel`, { headers: bearer(patient.token) });
		const cancelled = await api("GET", `/fhir/r4/Appointment/${id}`, { headers: ADMIN });
		expect(cancelled.body.status).toBe("cancelled");
	});
});
