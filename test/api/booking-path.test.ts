// The booking path's promises that no other file covers: a SLOT_FULL whose other days cannot be read is
// still a 409 SLOT_FULL with the day's own alternatives, and every outcome is logged by its seed-002 name.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nearestAlternatives } from "../../src/api/day-calls";
import { ADMIN, api, at, bearer, createDoctor, createPatients, inDays } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("SLOT_FULL alternatives", () => {
	it("fall back to the day's own when the Doctor object cannot be reached", async () => {
		const broken = {
			...env,
			DOCTOR: {
				idFromName: () => {
					throw new Error("the Doctor object is unreachable");
				},
			},
		} as unknown as Env;
		const sameDay = [{ start: at(inDays(3), "10:00") }, { start: at(inDays(3), "09:30") }] as never[];
		const found = await nearestAlternatives(
			broken,
			"dr",
			inDays(3),
			Date.parse(at(inDays(3), "09:00")),
			sameDay,
		);
		expect(found).toEqual([{ start: at(inDays(3), "09:30") }, { start: at(inDays(3), "10:00") }]);
	});
});

describe("structured booking logs", () => {
	it("names each outcome as operators search for it, with the ids, the time and the mode", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [first, second] = await createPatients(2);
		if (first === undefined || second === undefined) throw new Error("no patients");
		const lines: Record<string, unknown>[] = [];
		vi.spyOn(console, "log").mockImplementation((line: unknown) => {
			if (typeof line === "string" && line.startsWith("{")) lines.push(JSON.parse(line));
		});
		const start = at(inDays(4), "10:00");
		const body = { doctor_id: doctor.id, start, consultation_mode: "video" };
		const booked = await api("POST", "/api/appointments", { headers: bearer(first.token), body });
		await api("POST", "/api/appointments", { headers: bearer(second.token), body });
		await api("POST", "/api/appointments", {
			headers: ADMIN,
			body: { ...body, start: at(inDays(4), "10:15"), patient_id: second.id },
		});
		await api("POST", `/api/doctors/${doctor.id}/slots/check`, { body: { start } });
		const events = lines.map((l) => l.event_type);
		expect(events).toEqual([
			"consultation_scheduled",
			"time_slot_conflict",
			"consultation_booking_failed",
			"time_slot_conflict_check",
		]);
		expect(lines[0]).toMatchObject({
			event: "consultation_scheduled",
			doctor_id: doctor.id,
			patient_id: first.id,
			appointment_id: booked.body.appointment.id,
			scheduled_at: start,
			consultation_mode: "video",
			timestamp: expect.any(String),
		});
		expect(lines[1]).toMatchObject({ code: "SLOT_FULL", patient_id: second.id });
		expect(lines[2]).toMatchObject({ code: "SLOT_NOT_FOUND" });
	});
});
