// Structural checks of FHIR R4 JSON: each resource's required elements (cardinality 1..*) and its required
// value sets, as the R4 specification lists them. The mapping code is typed with @types/fhir, so tsc checks
// the rest of the shapes; these catch what types cannot (a missing element read from JSON, a wrong code).
import { expect } from "vitest";

const SLOT_STATUS = ["busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"];
const APPOINTMENT_STATUS = [
	"proposed",
	"pending",
	"booked",
	"arrived",
	"fulfilled",
	"cancelled",
	"noshow",
	"entered-in-error",
	"checked-in",
	"waitlist",
];
const PARTICIPATION_STATUS = ["accepted", "declined", "tentative", "needs-action"];
const ISSUE_SEVERITY = ["fatal", "error", "warning", "information"];
const ISSUE_CODES = [
	"invalid",
	"not-found",
	"login",
	"forbidden",
	"too-costly",
	"throttled",
	"exception",
	"not-supported",
];
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const REFERENCE = (type: string) => new RegExp(`^${type}/[A-Za-z0-9\\-.]{1,64}$`);

// biome-ignore lint/suspicious/noExplicitAny: checks JSON as received
type Json = any;

export function expectR4(resource: Json): void {
	expect(typeof resource?.resourceType).toBe("string");
	if (resource.id !== undefined) expect(resource.id).toMatch(FHIR_ID);
	switch (resource.resourceType) {
		case "Practitioner":
			expect(typeof resource.active).toBe("boolean");
			return;
		case "Schedule":
			expect(resource.actor.length).toBeGreaterThan(0);
			expect(resource.actor[0].reference).toMatch(REFERENCE("Practitioner"));
			return;
		case "Slot":
			expect(resource.schedule.reference).toMatch(REFERENCE("Schedule"));
			expect(SLOT_STATUS).toContain(resource.status);
			expect(resource.start).toMatch(INSTANT);
			expect(resource.end).toMatch(INSTANT);
			return;
		case "Appointment":
			expect(APPOINTMENT_STATUS).toContain(resource.status);
			expect(resource.participant.length).toBeGreaterThan(0);
			for (const p of resource.participant) {
				expect(PARTICIPATION_STATUS).toContain(p.status);
				expect(p.actor.reference).toMatch(/^(Patient|Practitioner)\//);
			}
			// R4 app-3: start and end both, or neither.
			expect(resource.start === undefined).toBe(resource.end === undefined);
			return;
		case "Bundle":
			expect(resource.type).toBe("searchset");
			expect(resource.total).toBe(resource.entry.length);
			for (const entry of resource.entry) {
				expect(entry.fullUrl).toMatch(new RegExp(`/${entry.resource.resourceType}/${entry.resource.id}$`));
				expect(entry.search.mode).toBe("match");
				expectR4(entry.resource);
			}
			return;
		case "OperationOutcome":
			expect(resource.issue.length).toBeGreaterThan(0);
			for (const issue of resource.issue) {
				expect(ISSUE_SEVERITY).toContain(issue.severity);
				expect(ISSUE_CODES).toContain(issue.code);
			}
			return;
		case "CapabilityStatement":
			expect(["draft", "active", "retired", "unknown"]).toContain(resource.status);
			expect(resource.date).toMatch(INSTANT);
			expect(["instance", "capability", "requirements"]).toContain(resource.kind);
			expect(resource.fhirVersion).toBe("4.0.1");
			expect(resource.format.length).toBeGreaterThan(0);
			for (const rest of resource.rest) expect(["client", "server"]).toContain(rest.mode);
			return;
		default:
			throw new Error(`No R4 check for ${resource.resourceType}`);
	}
}
