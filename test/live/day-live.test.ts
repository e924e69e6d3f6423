// Live availability through the Worker: a snapshot on connect, then one update per committed change.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { doctorDay } from "../../src/doctor-day/stub";
import { MAX_WATCHERS_PER_CLIENT } from "../../src/doctor-day/watchers";
import { ADMIN, allWeek, api, at, bearer, createDoctor, createPatient, inDays } from "../helpers";
import { openSocket } from "./inbox";

const livePath = (doctorId: string, date: string) =>
	`/api/doctors/${doctorId}/availability/date/${date}/live`;

async function watch(doctorId: string, date: string) {
	const inbox = await openSocket(livePath(doctorId, date));
	const snapshot = await inbox.next();
	expect(snapshot.type).toBe("snapshot");
	return { inbox, snapshot };
}

describe("GET …/availability/date/:date/live", () => {
	it("refuses before any upgrade: 426 without Upgrade, 404 for an unknown doctor, 400 for a bad date", async () => {
		const doctor = await createDoctor();
		const plain = await api("GET", livePath(doctor.id, inDays(2)));
		expect(plain.status).toBe(426);
		expect(plain.body.error.code).toBe("UPGRADE_REQUIRED");
		const upgrade = { upgrade: "websocket" };
		const unknown = await api("GET", livePath("no-such-doctor", inDays(2)), { headers: upgrade });
		expect([unknown.status, unknown.body.error.code]).toEqual([404, "DOCTOR_NOT_FOUND"]);
		const badDate = await api("GET", livePath(doctor.id, "2027-02-30"), { headers: upgrade });
		expect([badDate.status, badDate.body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
	});

	it("sends the availability body as a snapshot, then the exact changed slot after a booking and a cancellation", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const date = inDays(3);
		const { inbox, snapshot } = await watch(doctor.id, date);
		const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(snapshot).toEqual({ type: "snapshot", ...day.body });

		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		const afterBooking = await inbox.next();
		expect(afterBooking).toEqual({
			type: "update",
			version: snapshot.version + 1,
			slots: [
				{
					start: at(date, "10:00"),
					end: at(date, "10:30"),
					time: "10:00",
					capacity: 2,
					booked: 1,
					held: 0,
					remaining: 1,
					status: "available",
				},
			],
			removed: [],
			total_slots: 16,
			available_count: 16,
			booked_count: 0,
		});

		await api("POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
			headers: bearer(patient.token),
		});
		const afterCancel = await inbox.next();
		expect(afterCancel.version).toBe(afterBooking.version + 1);
		expect(afterCancel.slots).toEqual([expect.objectContaining({ time: "10:00", booked: 0, remaining: 2 })]);
		expect(await inbox.silentFor(100)).toBe(true);
		inbox.close();
	});

	it("announces unavailability and schedule changes with every changed and removed slot", async () => {
		const doctor = await createDoctor();
		const date = inDays(4);
		const { inbox, snapshot } = await watch(doctor.id, date);
		const block = await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
			headers: bearer(doctor.token),
			body: { date, start: "12:00", end: "13:00" },
		});
		expect(block.status).toBe(201);
		const blocked = await inbox.next();
		expect(blocked.version).toBeGreaterThan(snapshot.version);
		expect(blocked.slots.map((s: { time: string; status: string }) => [s.time, s.status])).toEqual([
			["12:00", "unavailable"],
			["12:30", "unavailable"],
		]);
		expect(blocked.available_count).toBe(14);

		await api("PUT", `/api/doctors/${doctor.id}/schedule`, {
			headers: ADMIN,
			body: {
				timezone: "UTC",
				weekly: allWeek([
					{ start: "09:00", end: "12:00" },
					{ start: "16:00", end: "17:30" },
				]),
			},
		});
		const reshaped = await inbox.next();
		expect(reshaped.version).toBeGreaterThan(blocked.version);
		expect(reshaped.slots.map((s: { time: string }) => s.time)).toEqual(["17:00"]);
		expect(reshaped.removed).toEqual(
			["12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"].map((t) => at(date, t)),
		);
		expect(reshaped.total_slots).toBe(9);
		expect(await inbox.silentFor(100)).toBe(true);
		inbox.close();
	});

	it("announces the doctor's availability flag", async () => {
		const doctor = await createDoctor();
		const date = inDays(5);
		const { inbox } = await watch(doctor.id, date);
		await api("PATCH", `/api/doctors/${doctor.id}`, {
			headers: bearer(doctor.token),
			body: { is_available: false },
		});
		const update = await inbox.next();
		expect(update.slots).toHaveLength(16);
		expect(update.available_count).toBe(0);
		inbox.close();
	});

	it("gives every socket every update, in strictly increasing versions, never twice", async () => {
		const doctor = await createDoctor({ capacity: 10 });
		const date = inDays(6);
		const watchers = await Promise.all(Array.from({ length: 20 }, () => watch(doctor.id, date)));
		const patients = await Promise.all(Array.from({ length: 8 }, () => createPatient()));
		await Promise.all(
			patients.map((p) =>
				api("POST", "/api/appointments", {
					headers: bearer(p.token),
					body: { doctor_id: doctor.id, start: at(date, "09:00") },
				}),
			),
		);
		for (const { inbox, snapshot } of watchers) {
			const versions: number[] = [];
			for (let i = 0; i < 8; i += 1) versions.push((await inbox.next()).version);
			expect(versions[0]).toBeGreaterThan(snapshot.version);
			expect(versions).toEqual([...versions].sort((a, b) => a - b));
			expect(new Set(versions).size).toBe(8);
			expect(await inbox.silentFor(20)).toBe(true);
			inbox.close();
		}
	});

	it("answers a resync with a fresh snapshot and ignores junk frames", async () => {
		const doctor = await createDoctor();
		const date = inDays(7);
		const { inbox, snapshot } = await watch(doctor.id, date);
		for (const junk of ["not json", "{}", '{"type":"book"}', "x".repeat(5000), "[1,2", "null"])
			inbox.ws.send(junk);
		inbox.ws.send(new Uint8Array([1, 2, 3]));
		inbox.ws.send(JSON.stringify({ type: "resync" }));
		expect(await inbox.next()).toEqual(snapshot);
		inbox.ws.send("ping");
		expect(await inbox.next()).toBe("pong");
		inbox.close();
	});

	it("still reaches every socket after the object is evicted from memory", async () => {
		const doctor = await createDoctor();
		const patient = await createPatient();
		const date = inDays(8);
		const watchers = await Promise.all([
			watch(doctor.id, date),
			watch(doctor.id, date),
			watch(doctor.id, date),
		]);
		await evictDurableObject(doctorDay(env, doctor.id, date));
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(date, "11:30") },
		});
		expect(booked.status).toBe(201);
		for (const { inbox, snapshot } of watchers) {
			const update = await inbox.next();
			expect(update.version).toBe(snapshot.version + 1);
			expect(update.slots).toEqual([expect.objectContaining({ time: "11:30", status: "full" })]);
			inbox.close();
		}
	});

	it("answers a burst of resyncs with one snapshot per interval, so a socket cannot amplify traffic", async () => {
		const doctor = await createDoctor();
		const { inbox, snapshot } = await watch(doctor.id, inDays(9));
		for (let i = 0; i < 20; i++) inbox.ws.send(JSON.stringify({ type: "resync" }));
		expect(await inbox.next()).toEqual(snapshot);
		expect(await inbox.silentFor(300)).toBe(true);
		inbox.close();
	});

	it("caps the sockets one client holds on a day, and refuses days outside the doctor's window", async () => {
		const doctor = await createDoctor({ horizon_days: 14 });
		const date = inDays(10);
		const client = { "cf-connecting-ip": "203.0.113.9" };
		const held = await Promise.all(
			Array.from({ length: MAX_WATCHERS_PER_CLIENT }, () => openSocket(livePath(doctor.id, date), client)),
		);
		const refused = await api("GET", livePath(doctor.id, date), {
			headers: { upgrade: "websocket", ...client },
		});
		expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
		const other = await openSocket(livePath(doctor.id, date), { "cf-connecting-ip": "203.0.113.10" });
		expect((await other.next()).type).toBe("snapshot");
		for (const inbox of [...held, other]) inbox.close();
		const far = await api("GET", livePath(doctor.id, inDays(15)), { headers: { upgrade: "websocket" } });
		expect([far.status, far.body.error.code]).toEqual([409, "DAY_UNAVAILABLE"]);
	});
});
