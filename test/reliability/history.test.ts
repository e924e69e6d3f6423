// History check through the Worker: many concurrent HTTP bookings, cancellations and availability reads on
// one doctor-day, each recorded with when it was sent and answered (a logical clock) and what it answered,
// plus the day's log of changes from its live socket. checkHistory (history.ts) then asks whether one
// sequential order explains it all: no slot over capacity, no acknowledged booking missing, no cancelled
// one still counted, reads consistent with the version order, the D1 index written by the right versions.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issueToken } from "../../src/api/auth";
import { ADMIN, api, bearer, createDoctor, inDays, type TestDoctor, unique } from "../helpers";
import { type Inbox, openSocket } from "../live/inbox";
import { type Counts, checkHistory, type History, type Op } from "./history";
import { runs, timeLimit } from "./scale";

const TIMES = ["09:00", "09:30", "10:00", "10:30"];
const RANGES = [{ start: "09:00", end: "11:00" }];

type Planned =
	| { kind: "book"; slot: number; delay: number }
	| { kind: "read"; delay: number }
	| { kind: "cancel"; pick: number; delay: number };

const delay = fc.nat(3);
const book = fc.record({ kind: fc.constant("book" as const), slot: fc.nat(TIMES.length - 1), delay });
const read = fc.record({ kind: fc.constant("read" as const), delay });
const cancel = fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(), delay });

const workload = fc.record({
	capacity: fc.integer({ min: 1, max: 3 }),
	booksOnly: fc.array(fc.oneof({ weight: 3, arbitrary: book }, { weight: 1, arbitrary: read }), {
		minLength: 8,
		maxLength: 30,
	}),
	mixed: fc.array(
		fc.oneof(
			{ weight: 3, arbitrary: book },
			{ weight: 2, arbitrary: cancel },
			{ weight: 1, arbitrary: read },
		),
		{
			minLength: 4,
			maxLength: 30,
		},
	),
});

/** One doctor per capacity, each run on its next day (inside the 60-day horizon; a new doctor after that). */
const doctors = new Map<number, { doctor: TestDoctor; used: number }>();
async function freshDay(capacity: number): Promise<{ doctor: TestDoctor; date: string }> {
	let entry = doctors.get(capacity);
	if (entry === undefined || entry.used >= 55) {
		entry = { doctor: await createDoctor({ capacity, weekly: allWeek() }), used: 0 };
		doctors.set(capacity, entry);
	}
	entry.used += 1;
	return { doctor: entry.doctor, date: inDays(1 + entry.used) };
}

function allWeek() {
	return Object.fromEntries(
		["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => [d, RANGES]),
	);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countsOf(slots: Array<{ start: string; booked: number }>): Counts {
	return Object.fromEntries(slots.map((s) => [s.start, s.booked]));
}

/** Reads socket messages until an update of `version` (or newer) has arrived; every wait is bounded. */
async function drainUntil(inbox: Inbox, version: number, into: History["log"]): Promise<void> {
	const deadline = Date.now() + 10_000;
	let newest = into.at(-1)?.version ?? -1;
	while (newest < version) {
		const message = await inbox.next(Math.max(1, deadline - Date.now()));
		if (message?.type !== "update") continue;
		into.push({ version: message.version, changed: countsOf(message.slots) });
		newest = message.version;
	}
}

async function runHistory(plan: {
	capacity: number;
	booksOnly: Planned[];
	mixed: Planned[];
}): Promise<History> {
	const { doctor, date } = await freshDay(plan.capacity);
	const starts = TIMES.map((t) => new Date(`${date}T${t}:00.000Z`).toISOString());
	const dayPath = `/api/doctors/${doctor.id}/availability/date/${date}`;
	const inbox = await openSocket(`${dayPath}/live`);
	const snapshot = await inbox.next();
	expect(snapshot.type).toBe("snapshot");
	const log: History["log"] = [];
	const ops: Op[] = [];
	let clock = 0;
	const tick = () => ++clock;

	const readOp = async (wait: number) => {
		await sleep(wait);
		const invoke = tick();
		const call = await api("GET", dayPath);
		const respond = tick();
		expect(call.status, JSON.stringify(call.body)).toBe(200);
		ops.push({
			kind: "read",
			invoke,
			respond,
			version: call.body.version,
			counts: countsOf(call.body.slots),
		});
	};
	const bookOp = async (slot: number, wait: number) => {
		const patient = unique("hp");
		const token = await issueToken({ userId: patient, role: "patient", doctorId: null }, env.AUTH_SECRET);
		await sleep(wait);
		const invoke = tick();
		const call = await api("POST", "/api/appointments", {
			headers: bearer(token),
			body: { doctor_id: doctor.id, start: starts[slot] },
		});
		const respond = tick();
		ops.push({
			kind: "book",
			slot: starts[slot] as string,
			invoke,
			respond,
			status: call.status,
			patient,
			id: call.status === 201 ? call.body.appointment.id : undefined,
			code: call.body?.error?.code,
			currentBookings: call.body?.error?.current_bookings,
		});
		return call.status === 201
			? { id: call.body.appointment.id as string, token, slot: starts[slot] as string }
			: null;
	};

	// Phase 1: bookings and reads only.
	const made = (
		await Promise.all(
			plan.booksOnly.map((p) =>
				p.kind === "book" ? bookOp(p.slot, p.delay) : readOp(p.delay).then(() => null),
			),
		)
	).filter((m) => m !== null);
	const booksOnlyUntil = tick();
	await readOp(0);

	// Phase 2: bookings, cancellations (some of one appointment at once) and reads.
	await Promise.all(
		plan.mixed.map(async (p) => {
			if (p.kind === "book") return bookOp(p.slot, p.delay);
			if (p.kind === "read") return readOp(p.delay);
			const target = made[p.pick % Math.max(1, made.length)];
			if (target === undefined) return null;
			await sleep(p.delay);
			const invoke = tick();
			const call = await api("POST", `/api/appointments/${target.id}/cancel`, {
				headers: bearer(target.token),
			});
			const respond = tick();
			ops.push({ kind: "cancel", id: target.id, slot: target.slot, invoke, respond, status: call.status });
			return null;
		}),
	);

	const final = await api("GET", dayPath);
	await drainUntil(inbox, final.body.version, log);
	inbox.close();

	const ids = ops.flatMap((o) => (o.kind === "book" && o.id !== undefined ? [o.id] : []));
	const readBack: History["readBack"] = {};
	await Promise.all(
		ids.map(async (id) => {
			const call = await api("GET", `/api/appointments/${id}`, { headers: ADMIN });
			readBack[id] =
				call.status === 200
					? { status: call.body.appointment.status, start: call.body.appointment.start }
					: null;
		}),
	);
	// The index as the API lists it, with the day version that wrote each row from D1 itself.
	const listed = await api("GET", `/api/appointments?from=${date}&to=${date}`, { headers: ADMIN });
	const rows = await env.DB.prepare(
		"SELECT id, day_version FROM appointments WHERE doctor_id = ? AND date = ?",
	)
		.bind(doctor.id, date)
		.all<{ id: string; day_version: number }>();
	const versions = new Map(rows.results.map((r) => [r.id, r.day_version]));
	const index: NonNullable<History["index"]> = {};
	for (const a of listed.body.appointments as Array<{
		id: string;
		doctor_id: string;
		patient_id: string;
		status: string;
		start: string;
	}>) {
		if (a.doctor_id === doctor.id)
			index[a.id] = {
				status: a.status,
				start: a.start,
				patient: a.patient_id,
				dayVersion: versions.get(a.id),
			};
	}
	return {
		capacity: plan.capacity,
		slots: starts,
		initial: { version: snapshot.version, counts: countsOf(snapshot.slots) },
		log,
		ops,
		final: { version: final.body.version, counts: countsOf(final.body.slots) },
		readBack,
		index,
		booksOnlyUntil,
	};
}

describe("a concurrent history through the Worker is explained by one sequential order", () => {
	it(
		"books, cancels and reads on one doctor-day",
		async () => {
			await fc.assert(
				fc.asyncProperty(workload, async (plan) => {
					const history = await runHistory(plan);
					expect(checkHistory(history), JSON.stringify(history).slice(0, 4000)).toEqual([]);
				}),
				{ ...runs(12), endOnFailure: true },
			);
		},
		timeLimit(120_000),
	);

	it("the checker refuses histories that no order explains", () => {
		const slot = "2030-01-01T09:00:00.000Z";
		const base: History = {
			capacity: 1,
			slots: [slot],
			initial: { version: 1, counts: { [slot]: 0 } },
			log: [{ version: 2, changed: { [slot]: 1 } }],
			ops: [
				{ kind: "book", slot, invoke: 1, respond: 2, status: 201, id: "a" },
				{ kind: "read", invoke: 3, respond: 4, version: 2, counts: { [slot]: 1 } },
			],
			final: { version: 2, counts: { [slot]: 1 } },
			readBack: { a: { status: "confirmed", start: slot } },
		};
		expect(checkHistory(base)).toEqual([]);
		const broken: Array<[string, Partial<History>]> = [
			["an overbooked slot", { log: [...base.log, { version: 3, changed: { [slot]: 2 } }] }],
			["a lost acknowledged booking", { readBack: { a: null } }],
			[
				"a cancelled booking still counted",
				{ ops: [...base.ops, { kind: "cancel", id: "a", slot, invoke: 5, respond: 6, status: 200 }] },
			],
			[
				"a read that went back in time",
				{ ops: [...base.ops, { kind: "read", invoke: 5, respond: 6, version: 1, counts: { [slot]: 0 } }] },
			],
			[
				"a read that disagrees with its version",
				{ ops: [...base.ops, { kind: "read", invoke: 5, respond: 6, version: 2, counts: { [slot]: 0 } }] },
			],
			[
				"a booking that took effect before it was sent",
				{
					ops: [
						{ ...base.ops[0], invoke: 5, respond: 6 } as Op,
						{ ...base.ops[1], invoke: 1, respond: 2 } as Op,
					],
				},
			],
			["an unacknowledged place taken", { ops: [] }],
			[
				"a refusal of a slot that was never full",
				{
					ops: [
						{
							kind: "book",
							slot,
							invoke: 0,
							respond: 0.5,
							status: 409,
							code: "SLOT_FULL",
							currentBookings: 1,
						},
						{ kind: "read", invoke: 0.6, respond: 0.7, version: 1, counts: { [slot]: 0 } },
						...base.ops,
					],
				},
			],
		];
		for (const [name, change] of broken) expect(checkHistory({ ...base, ...change }), name).not.toEqual([]);
		// A request that got no answer may or may not have taken effect, but only after it was sent.
		const unanswered: Op = {
			kind: "book",
			slot,
			invoke: 1,
			respond: Number.POSITIVE_INFINITY,
			status: 0,
			patient: "p",
		};
		const tookEffect: History = {
			...base,
			ops: [unanswered, { kind: "read", invoke: 3, respond: 4, version: 2, counts: { [slot]: 1 } }],
			readBack: {},
			index: { b: { status: "confirmed", start: slot, patient: "p" } },
		};
		expect(checkHistory(tookEffect), "an unanswered booking that took effect").toEqual([]);
		const noEffect: History = {
			...base,
			log: [],
			ops: [unanswered],
			final: { version: 1, counts: { [slot]: 0 } },
			readBack: {},
			index: {},
		};
		expect(checkHistory(noEffect), "an unanswered booking that did not").toEqual([]);
		const tooEarly: History = {
			...tookEffect,
			ops: [
				{ kind: "read", invoke: 0, respond: 0.5, version: 2, counts: { [slot]: 1 } },
				{ ...unanswered, invoke: 1 },
			],
		};
		expect(checkHistory(tooEarly), "an unanswered booking that took effect before it was sent").not.toEqual(
			[],
		);
		const stranger: History = {
			...tookEffect,
			index: { b: { status: "confirmed", start: slot, patient: "q" } },
		};
		expect(checkHistory(stranger), "an appointment no request made").not.toEqual([]);
	});
});
