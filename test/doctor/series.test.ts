// The series saga through the Doctor object that owns it: all or none (a conflict in one occurrence leaves
// no hold and no appointment on any day), two series racing for the last places (exactly one wins), a
// retry with the same key, and a saga stopped in each phase finished (or undone) by the object's alarm.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/appointment";
import { occurrenceKey, occurrences, type SeriesPhase, type SeriesRecord } from "../../src/core/series";
import type { DoctorStore } from "../../src/doctor/doctor-store";
import type { SeriesStore } from "../../src/doctor/series-store";
import { doctorObject } from "../../src/doctor/stub";
import { doctorDay } from "../../src/doctor-day/stub";
import { mintDayId, mintSeriesId } from "../../src/lib/appointment-ids";
import {
	api,
	at,
	bearer,
	createDoctor,
	createPatients,
	eventually,
	inDays,
	type TestPatient,
} from "../helpers";

const asPatient = (p: TestPatient): Actor => ({ userId: p.id, role: "patient", doctorId: null });

function request(doctorId: string, patient: TestPatient, count: number, time = "10:00") {
	return {
		doctorId,
		patientId: patient.id,
		start: Date.parse(at(inDays(3), time)),
		everyWeeks: 1,
		count,
		consultationMode: "in_person" as const,
		reason: null,
	};
}

/** The slot at `time` on each of the series' dates, as each day shows it now. */
async function slotsAt(doctorId: string, count: number, time = "10:00") {
	return Promise.all(
		Array.from({ length: count }, async (_, k) => {
			const day = await api("GET", `/api/doctors/${doctorId}/availability/date/${inDays(3 + 7 * k)}`);
			const slot = day.body.slots.find((s: { time: string }) => s.time === time);
			return { booked: slot.booked as number, held: slot.held as number };
		}),
	);
}

describe("a series through the Doctor object", () => {
	it("books every occurrence, each in its own day, carrying the series id", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient] = (await createPatients(1)) as [TestPatient];
		const result = await doctorObject(env, doctor.id).startSeries(
			request(doctor.id, patient, 3),
			asPatient(patient),
			null,
		);
		if (!result.ok) throw new Error(JSON.stringify(result));
		expect(result.series.appointments.map((a) => [a.date, a.time, a.status, a.series_id])).toEqual(
			[0, 1, 2].map((k) => [inDays(3 + 7 * k), "10:00", "confirmed", result.series.id]),
		);
		expect(await slotsAt(doctor.id, 3)).toEqual(Array(3).fill({ booked: 1, held: 0 }));
	});

	it("a conflict in occurrence 3 of 5 leaves no hold and no appointment on any day", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, other] = (await createPatients(2)) as [TestPatient, TestPatient];
		const taken = await api("POST", "/api/appointments", {
			headers: bearer(other.token),
			body: { doctor_id: doctor.id, start: at(inDays(17), "10:00") },
		});
		expect(taken.status).toBe(201);
		const result = await doctorObject(env, doctor.id).startSeries(
			request(doctor.id, patient, 5),
			asPatient(patient),
			null,
		);
		if (result.ok || result.code !== "SERIES_CONFLICT") throw new Error(JSON.stringify(result));
		expect(result.conflicts.map((c) => [c.start, c.code])).toEqual([[at(inDays(17), "10:00"), "SLOT_FULL"]]);
		// The day's own free slots, nearest first: 09:30 and 10:30 are the two nearest.
		expect(
			result.conflicts[0]?.alternatives
				.slice(0, 2)
				.map((s) => s.time)
				.sort(),
		).toEqual(["09:30", "10:30"]);
		const slots = await slotsAt(doctor.id, 5);
		expect(slots).toEqual([0, 0, 1, 0, 0].map((booked) => ({ booked, held: 0 })));
	});

	it("two series racing for the same last places: exactly one gets them all", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const [a, b] = (await createPatients(2)) as [TestPatient, TestPatient];
		const object = doctorObject(env, doctor.id);
		const results = await Promise.all([
			object.startSeries(request(doctor.id, a, 4), asPatient(a), null),
			object.startSeries(request(doctor.id, b, 4), asPatient(b), null),
		]);
		expect(results.filter((r) => r.ok).length).toBe(1);
		expect(results.filter((r) => !r.ok && r.code === "SERIES_CONFLICT").length).toBe(1);
		expect(await slotsAt(doctor.id, 4)).toEqual(Array(4).fill({ booked: 1, held: 0 }));
	});

	it("a retry with the same key answers the same series; the key on another request is refused", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const [patient] = (await createPatients(1)) as [TestPatient];
		const object = doctorObject(env, doctor.id);
		const actor = asPatient(patient);
		const [first, second] = await Promise.all([
			object.startSeries(request(doctor.id, patient, 2), actor, "k1"),
			object.startSeries(request(doctor.id, patient, 2), actor, "k1"),
		]);
		if (!first?.ok || !second?.ok) throw new Error(JSON.stringify([first, second]));
		expect(second.series.id).toBe(first.series.id);
		const again = await object.startSeries(request(doctor.id, patient, 2), actor, "k1");
		expect(again).toMatchObject({ ok: true, replayed: true, series: { id: first.series.id } });
		expect(await object.startSeries(request(doctor.id, patient, 3), actor, "k1")).toEqual({
			ok: false,
			code: "IDEMPOTENCY_KEY_REUSED",
		});
		expect(await slotsAt(doctor.id, 2)).toEqual(Array(2).fill({ booked: 1, held: 0 }));
	});
});

describe("a series stopped mid-way is finished by the Doctor object's alarm", () => {
	/**
	 * Stores a series in `phase` with what its rounds had done before the crash (`held` holds placed,
	 * `booked` of them confirmed), its timer due, then lets the alarm carry it on.
	 */
	async function crashedSeries(phase: SeriesPhase, held: number, booked: number, blockLast = false) {
		const doctor = await createDoctor({ capacity: 1 });
		const [patient, other] = (await createPatients(2)) as [TestPatient, TestPatient];
		const actor = asPatient(patient);
		const base = request(doctor.id, patient, 3);
		const id = await mintSeriesId(env.AUTH_SECRET, doctor.id);
		const found = occurrences(base.start, 1, 3, "UTC");
		const series: SeriesRecord = {
			...base,
			id,
			actor,
			idempotencyKey: "k",
			phase,
			occurrences: await Promise.all(
				found.map(async (o) => ({
					...o,
					holdId: await mintDayId(env.AUTH_SECRET, "hold", doctor.id, o.date),
					appointmentId: null,
				})),
			),
			conflicts:
				phase === "undoing"
					? [{ start: new Date(base.start).toISOString(), date: inDays(3), code: "SLOT_FULL" }]
					: [],
			startedAt: Date.now(),
		};
		for (const [k, o] of series.occurrences.entries()) {
			const day = doctorDay(env, doctor.id, o.date);
			const where = { doctorId: doctor.id, date: o.date };
			if (k < held) {
				const placed = await day.hold(where, {
					patientId: patient.id,
					placedBy: patient.id,
					start: o.start,
					expectedVersion: null,
					id: o.holdId,
				});
				expect(placed.ok).toBe(true);
			}
			if (k < booked) {
				const made = await day.book(where, {
					patientId: patient.id,
					bookedBy: patient.id,
					start: o.start,
					consultationMode: "in_person",
					reason: null,
					idempotencyKey: occurrenceKey(id, k),
					holdId: o.holdId,
					seriesId: id,
				});
				if (!made.ok) throw new Error(JSON.stringify(made));
				o.appointmentId = phase === "undoing" ? made.appointment.id : null;
			}
		}
		if (blockLast) {
			const last = found[2] as { start: number };
			const taken = await api("POST", "/api/appointments", {
				headers: bearer(other.token),
				body: { doctor_id: doctor.id, start: new Date(last.start).toISOString() },
			});
			expect(taken.status).toBe(201);
		}
		const object = doctorObject(env, doctor.id);
		await runInDurableObject(object, async (instance, state) => {
			const { store, series: saga } = instance as unknown as {
				store: DoctorStore;
				series: { store: SeriesStore };
			};
			state.storage.transactionSync(() => {
				saga.store.save(series);
				store.timers.at(`series:${id}`, Date.now() - 1);
			});
			await store.timers.arm();
		});
		const settled = async () => {
			await runDurableObjectAlarm(object);
			const left = await runInDurableObject(object, (instance) => {
				const { series: saga } = instance as unknown as { series: { store: SeriesStore } };
				return saga.store.find(id)?.phase ?? null;
			});
			return left === null || left === "done";
		};
		await eventually(settled);
		return { doctor, patient, id, object, actor };
	}

	it.each([
		["holding", 0, 0],
		["holding", 2, 0],
		["confirming", 3, 0],
		["confirming", 3, 2],
	] as const)(
		"from %s with %i held and %i booked: every occurrence ends confirmed",
		async (phase, held, booked) => {
			const { doctor, id, object, actor } = await crashedSeries(phase, held, booked);
			expect(await slotsAt(doctor.id, 3)).toEqual(Array(3).fill({ booked: 1, held: 0 }));
			const read = await object.seriesOf(id, actor);
			if (!read.ok) throw new Error(JSON.stringify(read));
			expect(read.series.appointments.map((a) => a.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
		},
	);

	it.each([
		["holding", 2, 0],
		["confirming", 2, 1],
	] as const)(
		"from %s with %i held and %i booked, the last place taken meanwhile: none is kept",
		async (phase, held, booked) => {
			const { doctor, id, object, actor } = await crashedSeries(phase, held, booked, true);
			expect(await slotsAt(doctor.id, 3)).toEqual([0, 0, 1].map((b) => ({ booked: b, held: 0 })));
			expect(await object.seriesOf(id, actor)).toEqual({ ok: false, code: "NOT_FOUND" });
		},
	);

	it("from undoing: the appointment and holds it had are given back", async () => {
		const { doctor } = await crashedSeries("undoing", 3, 1);
		expect(await slotsAt(doctor.id, 3)).toEqual(Array(3).fill({ booked: 0, held: 0 }));
	});
});
