// The FHIR R4 mapping and search parameters: pure functions, checked against R4's required elements.
import type { Slot } from "fhir/r4";
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import type { SlotView } from "../../src/core/booking";
import * as fhir from "../../src/core/fhir-resources";
import { MAX_SLOT_SEARCH_DAYS, parseReference, parseStartRange } from "../../src/core/fhir-search";
import { expectR4 } from "../fhir-shapes";

const NEW_YORK = "America/New_York";
const iso = (ms: number) => new Date(ms).toISOString();

const doctor: fhir.FhirDoctor = {
	id: "dr-a",
	name: "Dr. Ada",
	specialty: "Cardiology",
	isApproved: true,
	isAvailable: true,
	timezone: NEW_YORK,
	slotMinutes: 30,
	capacity: 2,
	horizonDays: 60,
};

const view = (status: SlotView["status"], booked: number): SlotView => ({
	start: "2027-03-15T13:00:00.000Z",
	end: "2027-03-15T13:30:00.000Z",
	time: "09:00",
	capacity: 2,
	booked,
	held: 0,
	remaining: Math.max(0, 2 - booked),
	status,
});

const record: Appointment = {
	id: "dr-a.2027-03-15.abc123def4560123456789abcdef",
	doctor_id: "dr-a",
	patient_id: "p-1",
	date: "2027-03-15",
	time: "09:00",
	start: "2027-03-15T13:00:00.000Z",
	end: "2027-03-15T13:30:00.000Z",
	status: "confirmed",
	consultation_mode: "in_person",
	reason: null,
	created_at: "2027-03-01T10:00:00.000Z",
	cancelled_at: null,
};

describe("resources", () => {
	it("Practitioner and Schedule of a doctor", () => {
		const practitioner = fhir.practitioner(doctor);
		expectR4(practitioner);
		expect(practitioner).toEqual({
			resourceType: "Practitioner",
			id: "dr-a",
			active: true,
			name: [{ text: "Dr. Ada" }],
		});
		const schedule = fhir.schedule(doctor, "2027-03-15");
		expectR4(schedule);
		expect(schedule.actor).toEqual([{ reference: "Practitioner/dr-a", display: "Dr. Ada" }]);
		expect(schedule.planningHorizon).toEqual({ start: "2027-03-15", end: "2027-05-14" });
		expect(schedule.specialty).toEqual([{ text: "Cardiology" }]);
	});

	it.each([
		["available", 1, "free"],
		["full", 2, "busy"],
		["unavailable", 0, "busy-unavailable"],
		["unavailable", 2, "busy-unavailable"],
		["past", 1, "busy"],
		["past", 0, "busy-unavailable"],
	] as const)("a slot %s with %i booked is %s", (status, booked, expected) => {
		const slot: Slot = fhir.slot("dr-a", view(status, booked));
		expectR4(slot);
		expect(slot).toMatchObject({
			id: "dr-a.20270315T130000Z",
			schedule: { reference: "Schedule/dr-a" },
			status: expected,
			start: "2027-03-15T13:00:00.000Z",
		});
	});

	it.each([
		["confirmed", "booked"],
		["cancelled", "cancelled"],
	] as const)("a %s appointment is %s, with its patient and doctor as participants", (status, expected) => {
		const resource = fhir.appointment({ ...record, status, reason: "Check-up" }, "Dr. Ada");
		expectR4(resource);
		expect(resource.status).toBe(expected);
		expect(resource.minutesDuration).toBe(30);
		expect(resource.slot).toEqual([{ reference: "Slot/dr-a.20270315T130000Z" }]);
		expect(resource.reasonCode).toEqual([{ text: "Check-up" }]);
		expect(resource.participant.map((p) => p.actor?.reference)).toEqual(["Patient/p-1", "Practitioner/dr-a"]);
	});

	it("a searchset Bundle lists every match with its full URL", () => {
		const base = "https://h.test/fhir/r4";
		const bundle = fhir.searchset(base, `${base}/Schedule?actor=dr-a`, [fhir.schedule(doctor, "2027-03-15")]);
		expectR4(bundle);
		expect(bundle.entry?.[0]?.fullUrl).toBe(`${base}/Schedule/dr-a`);
		expectR4(fhir.searchset(base, base, []));
	});

	it("CapabilityStatement and OperationOutcome", () => {
		expectR4(fhir.capabilityStatement("https://h.test/fhir/r4", "2027-03-15T00:00:00.000Z"));
		expectR4(fhir.operationOutcome("invalid", "start: bad"));
	});
});

describe("parseReference", () => {
	it.each([
		[["Practitioner/dr-a"], { ok: true, value: "dr-a" }],
		[["dr-a"], { ok: true, value: "dr-a" }],
		[["Schedule/dr-a"], { ok: false }],
		[["Practitioner/DR A"], { ok: false }],
		[[], { ok: false }],
		[["Practitioner/a", "Practitioner/b"], { ok: false }],
	])("%j", (values, expected) => {
		expect(parseReference("Practitioner", values, "actor")).toMatchObject(expected);
	});
});

describe("parseStartRange", () => {
	it("reads dates as the doctor's local days, a DST day included (23 hours in New York)", () => {
		const range = parseStartRange(["ge2027-03-14", "lt2027-03-15"], NEW_YORK);
		expect(range.ok && [iso(range.value.from), iso(range.value.to), range.value.dates]).toEqual([
			"2027-03-14T05:00:00.000Z",
			"2027-03-15T04:00:00.000Z",
			["2027-03-14"],
		]);
	});

	it.each([
		["eq: the whole day", ["2027-03-16"], "2027-03-16T04:00:00.000Z", "2027-03-17T04:00:00.000Z"],
		[
			"gt and le on dates",
			["gt2027-03-15", "le2027-03-16"],
			"2027-03-16T04:00:00.000Z",
			"2027-03-17T04:00:00.000Z",
		],
		[
			"dateTimes with their own zone",
			["ge2027-03-16T09:00:00-04:00", "lt2027-03-16T12:00:00Z"],
			"2027-03-16T13:00:00.000Z",
			"2027-03-16T12:00:00.000Z",
		],
		[
			"the tighter of two lower bounds",
			["ge2027-03-10", "ge2027-03-16", "lt2027-03-17"],
			"2027-03-16T04:00:00.000Z",
			"2027-03-17T04:00:00.000Z",
		],
	])("%s", (_, values, from, to) => {
		const range = parseStartRange(values, NEW_YORK);
		expect(range.ok && [iso(range.value.from), iso(range.value.to)]).toEqual([from, to]);
	});

	it("an empty range has no dates", () => {
		expect(parseStartRange(["ge2027-03-16", "lt2027-03-16"], NEW_YORK)).toEqual({
			ok: true,
			value: { from: expect.any(Number), to: expect.any(Number), dates: [] },
		});
	});

	it(`covers at most ${MAX_SLOT_SEARCH_DAYS} days`, () => {
		const fits = parseStartRange(["ge2027-03-01", "lt2027-04-01"], NEW_YORK);
		expect(fits.ok && fits.value.dates.length).toBe(31);
		expect(parseStartRange(["ge2027-03-01", "le2027-04-01"], NEW_YORK)).toMatchObject({ ok: false });
	});

	it.each([
		[[]],
		[["ge2027-03-01"]],
		[["lt2027-03-01"]],
		[["ne2027-03-01", "lt2027-03-02"]],
		[["ge2027-02-30", "lt2027-03-02"]],
		[["ge2027-03-01T10:00", "lt2027-03-02"]],
		[["gesoon", "lt2027-03-02"]],
	])("refuses %j", (values) => {
		expect(parseStartRange(values, NEW_YORK)).toMatchObject({ ok: false });
	});
});
