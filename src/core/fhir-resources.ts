// docslot's records as FHIR R4 resources (typed by @types/fhir, so tsc checks the shapes).
import type {
	Bundle,
	CapabilityStatement,
	Appointment as FhirAppointment,
	OperationOutcome,
	Practitioner,
	Resource,
	Schedule,
	Slot,
} from "fhir/r4";
import type { Appointment, AppointmentStatus, ConsultationMode } from "./appointment";
import type { SlotView } from "./booking";
import { addDays } from "./time";

export const FHIR_VERSION = "4.0.1";
export const FHIR_JSON = "application/fhir+json";

/** A doctor as the FHIR mapping needs it. One doctor has one schedule, which shares the doctor's id. */
export interface FhirDoctor {
	id: string;
	name: string;
	specialty: string | null;
	isApproved: boolean;
	isAvailable: boolean;
	timezone: string | null;
	slotMinutes: number;
	capacity: number;
	horizonDays: number;
}

const MODE_TEXT: Record<ConsultationMode, string> = {
	in_person: "In-person consultation",
	voice: "Voice call consultation",
	video: "Video consultation",
	chat: "Chat consultation",
};

export function practitioner(doctor: FhirDoctor): Practitioner {
	return {
		resourceType: "Practitioner",
		id: doctor.id,
		active: doctor.isApproved,
		name: [{ text: doctor.name }],
	};
}

/** The doctor's schedule; its planning horizon runs from `today` (doctor-local) to the booking horizon. */
export function schedule(doctor: FhirDoctor, today: string): Schedule {
	return {
		resourceType: "Schedule",
		id: doctor.id,
		active: doctor.isApproved && doctor.isAvailable,
		actor: [{ reference: `Practitioner/${doctor.id}`, display: doctor.name }],
		...(doctor.specialty === null ? {} : { specialty: [{ text: doctor.specialty }] }),
		planningHorizon: { start: today, end: addDays(today, doctor.horizonDays) },
		comment: `${doctor.slotMinutes}-minute slots, ${doctor.capacity} place(s) each, time zone ${doctor.timezone}.`,
	};
}

/** A slot's id: its doctor and start, so the same slot keeps its id ("dr-a.20270315T130000Z"). */
export function slotId(doctorId: string, start: string): string {
	return `${doctorId}.${start.replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`;
}

/**
 * free: a patient can book it; busy: its places are taken; busy-tentative: its free places are held;
 * busy-unavailable: blocked, the doctor not
 * taking bookings, or already started with no booking in it.
 */
export function slotStatus(view: SlotView): Slot["status"] {
	switch (view.status) {
		case "available":
			return "free";
		case "full":
			return "busy";
		// Its only free places are held by patients filling in the form: they may yet come free.
		case "held":
			return "busy-tentative";
		case "unavailable":
			return "busy-unavailable";
		case "past":
			return view.booked > 0 ? "busy" : "busy-unavailable";
	}
}

export function slot(doctorId: string, view: SlotView): Slot {
	return {
		resourceType: "Slot",
		id: slotId(doctorId, view.start),
		schedule: { reference: `Schedule/${doctorId}` },
		status: slotStatus(view),
		start: view.start,
		end: view.end,
		comment: `${view.remaining} of ${view.capacity} place(s) free.`,
	};
}

function appointmentStatus(status: AppointmentStatus): FhirAppointment["status"] {
	switch (status) {
		case "pending":
			return "pending";
		case "confirmed":
			return "booked";
		case "checked_in":
			return "checked-in";
		case "completed":
			return "fulfilled";
		case "no_show":
			return "noshow";
		case "cancelled":
		case "declined":
		case "rescheduled":
			return "cancelled";
	}
}

export function appointment(record: Appointment, doctorName: string): FhirAppointment {
	const minutes = Math.round((Date.parse(record.end) - Date.parse(record.start)) / 60_000);
	return {
		resourceType: "Appointment",
		id: record.id,
		status: appointmentStatus(record.status),
		description: MODE_TEXT[record.consultation_mode],
		start: record.start,
		end: record.end,
		minutesDuration: minutes,
		created: record.created_at,
		slot: [{ reference: `Slot/${slotId(record.doctor_id, record.start)}` }],
		...(record.reason === null ? {} : { reasonCode: [{ text: record.reason }] }),
		participant: [
			{ actor: { reference: `Patient/${record.patient_id}` }, required: "required", status: "accepted" },
			{
				actor: { reference: `Practitioner/${record.doctor_id}`, display: doctorName },
				required: "required",
				status: "accepted",
			},
		],
	};
}

/** A search's answer: every match, with its full URL under `base` (e.g. "https://host/fhir/r4"). */
export function searchset(base: string, self: string, resources: readonly Resource[]): Bundle {
	return {
		resourceType: "Bundle",
		type: "searchset",
		total: resources.length,
		link: [{ relation: "self", url: self }],
		entry: resources.map((resource) => ({
			fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
			resource,
			search: { mode: "match" },
		})),
	};
}

export type IssueCode =
	| "invalid"
	| "not-found"
	| "login"
	| "forbidden"
	| "too-costly"
	| "throttled"
	| "exception";

export function operationOutcome(code: IssueCode, diagnostics: string): OperationOutcome {
	return { resourceType: "OperationOutcome", issue: [{ severity: "error", code, diagnostics }] };
}

/** What this server does, for /metadata. `date` is when the statement was made (the server's start). */
export function capabilityStatement(base: string, date: string): CapabilityStatement {
	const read = [{ code: "read" as const }];
	return {
		resourceType: "CapabilityStatement",
		status: "active",
		date,
		kind: "instance",
		software: { name: "docslot" },
		implementation: { description: "docslot appointment booking: FHIR R4 read API", url: base },
		fhirVersion: FHIR_VERSION,
		format: [FHIR_JSON, "json"],
		rest: [
			{
				mode: "server",
				resource: [
					{ type: "Practitioner", interaction: read },
					{
						type: "Schedule",
						interaction: [...read, { code: "search-type" }],
						searchParam: [{ name: "actor", type: "reference", documentation: "Practitioner/<id>" }],
					},
					{
						type: "Slot",
						interaction: [{ code: "search-type" }],
						searchParam: [
							{ name: "schedule", type: "reference", documentation: "Schedule/<id>; required" },
							{
								name: "start",
								type: "date",
								documentation:
									"Required, as a range of at most 31 days: start=ge2027-03-15&start=lt2027-03-22 " +
									"(dates are the doctor's local dates; times need a zone).",
							},
						],
					},
					{
						type: "Appointment",
						interaction: read,
						documentation: "Its patient, its doctor or an admin (Authorization: Bearer).",
					},
				],
			},
		],
	};
}
