// Model-based tests of one DoctorDay object through its stub's RPC: random sequences of book, cancel,
// idempotent retry, schedule and unavailability changes, doctor flags, stale config pushes, reads and
// evictions, some fired one at a time and some as concurrent batches (Promise.all). After every step the
// object must agree with the sequential model in day-model.ts; after a batch, with the model run in SOME
// order of the batch (every order is tried) that explains each answer, the versions and the state read back.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Appointment } from "../../src/core/appointment";
import type { DayConfig } from "../../src/core/day-config";
import { DayStore } from "../../src/doctor-day/day-store";
import type {
	BookRequest,
	BookResult,
	CancelResult,
	ConfigApplied,
	DayAvailability,
	SlotCheck,
	WrongDay,
} from "../../src/doctor-day/results";
import { doctorDay } from "../../src/doctor-day/stub";
import { inDays, unique } from "../helpers";
import { type CancelActor, DayModel, type Expected } from "./day-model";
import { runs, timeLimit } from "./scale";

// ---- the vocabulary commands draw from --------------------------------------------------------------

/** Times asked for: slot starts under some schedules, not under others, or never (11:15). */
const TIMES = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:15", "14:00", "15:30", "23:30"];
const RANGE_SETS = [
	[{ start: "09:00", end: "12:00" }],
	[
		{ start: "09:00", end: "11:00" },
		{ start: "14:00", end: "16:00" },
	],
	[{ start: "10:00", end: "15:00" }],
	[], // the day is not enabled
	[
		{ start: "09:00", end: "10:00" },
		{ start: "10:00", end: "12:00" },
	],
	[{ start: "08:00", end: "24:00" }],
];
const BLOCK_SETS = [
	[],
	[{ start: "10:00", end: "10:45" }],
	[{ start: "00:00", end: "24:00" }],
	[{ start: "11:15", end: "11:16" }],
	[
		{ start: "09:00", end: "09:30" },
		{ start: "14:00", end: "15:00" },
	],
];
const PATIENTS = ["p0", "p1", "p2", "p3"];
const MODES = ["in_person", "video"] as const;

type ActorKind = "owner" | "admin" | "doctor" | "stranger" | "other-doctor";

type Command =
	| {
			type: "book";
			by: "self" | "admin";
			patient: number;
			time: number;
			key: number | null;
			mode: number;
			reason: boolean;
			stale: boolean;
	  }
	| { type: "retry"; pick: number }
	| { type: "cancel"; pick: number; actor: ActorKind }
	| { type: "cancel-unknown" }
	| { type: "schedule"; ranges: number; capacity: number; slotMinutes: number }
	| { type: "unavailability"; blocks: number }
	| { type: "flags"; isAvailable: boolean }
	| { type: "stale-push"; back: number }
	| { type: "read" }
	| { type: "check"; time: number }
	| { type: "evict" };

const index = (values: readonly unknown[]) => fc.nat(values.length - 1);
/** Mostly the four morning times most schedules offer, so bookings meet each other. */
const likelyTime = fc.oneof({ weight: 3, arbitrary: fc.nat(3) }, { weight: 1, arbitrary: index(TIMES) });

const command: fc.Arbitrary<Command> = fc.oneof(
	{
		weight: 8,
		arbitrary: fc.record({
			type: fc.constant("book" as const),
			by: fc.constantFrom("self" as const, "admin" as const),
			patient: index(PATIENTS),
			time: likelyTime,
			key: fc.option(fc.nat(2), { nil: null, freq: 2 }),
			mode: index(MODES),
			reason: fc.boolean(),
			stale: fc.boolean(),
		}),
	},
	{ weight: 3, arbitrary: fc.record({ type: fc.constant("retry" as const), pick: fc.nat() }) },
	{
		weight: 3,
		arbitrary: fc.record({
			type: fc.constant("cancel" as const),
			pick: fc.nat(),
			actor: fc.constantFrom<ActorKind>("owner", "owner", "admin", "doctor", "stranger", "other-doctor"),
		}),
	},
	{ weight: 1, arbitrary: fc.constant({ type: "cancel-unknown" as const }) },
	{
		weight: 2,
		arbitrary: fc.record({
			type: fc.constant("schedule" as const),
			ranges: index(RANGE_SETS),
			capacity: fc.integer({ min: 1, max: 3 }),
			slotMinutes: fc.constantFrom(30, 30, 30, 60, 20),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({ type: fc.constant("unavailability" as const), blocks: index(BLOCK_SETS) }),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			type: fc.constant("flags" as const),
			isAvailable: fc.constantFrom(true, true, false),
		}),
	},
	{ weight: 1, arbitrary: fc.record({ type: fc.constant("stale-push" as const), back: fc.nat() }) },
	{ weight: 1, arbitrary: fc.constant({ type: "read" as const }) },
	{ weight: 1, arbitrary: fc.record({ type: fc.constant("check" as const), time: likelyTime }) },
);

/** A step: one command alone, a concurrent batch of 2–5, or an eviction of the object from memory. */
const step: fc.Arbitrary<Command[]> = fc.oneof(
	{ weight: 5, arbitrary: command.map((c) => [c]) },
	{ weight: 4, arbitrary: fc.array(command, { minLength: 2, maxLength: 5 }) },
	{ weight: 1, arbitrary: fc.constant<Command[]>([{ type: "evict" }]) },
);

const scenario = fc.record({
	capacity: fc.integer({ min: 1, max: 3 }),
	ranges: fc.constantFrom(0, 1),
	steps: fc.array(step, { minLength: 1, maxLength: 14 }),
});

// ---- a run: commands resolved into concrete calls, fired at the object, explained by the model -------

type Call =
	| { kind: "book"; pushed: DayConfig; request: BookRequest }
	| { kind: "cancel"; id: string; actor: CancelActor }
	| { kind: "config"; pushed: DayConfig }
	| { kind: "read"; pushed: DayConfig }
	| { kind: "check"; pushed: DayConfig; start: number };

type Result = BookResult | CancelResult | ConfigApplied | DayAvailability | SlotCheck;

interface ReadBack {
	view: DayAvailability;
	/** Every appointment the object stores as confirmed. */
	confirmed: Appointment[];
	/** Each appointment id ever acknowledged, as the object holds it now (null: gone). */
	known: Map<string, Appointment | null>;
}

class Run {
	readonly doctorId = unique("model");
	readonly date = inDays(3);
	/** Every config "D1" has held, oldest first; a Worker request pushes the newest (or, racing, an older one). */
	readonly issued: DayConfig[] = [];
	model = new DayModel();
	/** Appointments acknowledged by any answer, by id, as first acknowledged. */
	readonly acknowledged = new Map<string, Appointment>();
	/** Ids of acknowledged cancellations. */
	readonly cancelled = new Set<string>();
	/** Book requests sent with an idempotency key, for retries. */
	readonly keyed: BookRequest[] = [];
	/** (bookedBy, key) → the one appointment id it ever answered. */
	readonly keyOwner = new Map<string, string>();
	readonly stub = doctorDay(env, this.doctorId, this.date);

	constructor(capacity: number, ranges: number) {
		this.issued.push({
			doctorId: this.doctorId,
			date: this.date,
			version: 1,
			timezone: "UTC",
			isAvailable: true,
			isApproved: true,
			slotMinutes: 30,
			capacity,
			horizonDays: 60,
			ranges: RANGE_SETS[ranges] ?? [],
			blocks: [],
		});
	}

	get newest(): DayConfig {
		return this.issued.at(-1) as DayConfig;
	}

	/** The next config "D1" holds: the newest with `change` applied and the version bumped. */
	private issue(change: Partial<DayConfig>): DayConfig {
		const next = { ...this.newest, ...change, version: this.newest.version + 1 };
		this.issued.push(next);
		return next;
	}

	private start(time: number): number {
		return Date.parse(`${this.date}T${TIMES[time]}:00.000Z`);
	}

	resolve(c: Command): Call | null {
		switch (c.type) {
			case "book": {
				const patientId = PATIENTS[c.patient] as string;
				const request: BookRequest = {
					patientId,
					bookedBy: c.by === "self" ? patientId : "admin",
					start: this.start(c.time),
					consultationMode: MODES[c.mode] as (typeof MODES)[number],
					reason: c.reason ? "Follow-up" : null,
					idempotencyKey: c.key === null ? null : `key-${c.key}`,
				};
				if (request.idempotencyKey !== null) this.keyed.push(request);
				const pushed = c.stale ? (this.issued[0] as DayConfig) : this.newest;
				return { kind: "book", pushed, request };
			}
			case "retry": {
				const request = this.keyed[c.pick % Math.max(1, this.keyed.length)];
				return request === undefined ? null : { kind: "book", pushed: this.newest, request: { ...request } };
			}
			case "cancel": {
				const ids = [...this.acknowledged.keys()];
				const id = ids[c.pick % Math.max(1, ids.length)];
				if (id === undefined) return null;
				const owner = this.acknowledged.get(id)?.patient_id as string;
				const actors: Record<ActorKind, CancelActor> = {
					owner: { userId: owner, role: "patient", doctorId: null },
					admin: { userId: "admin", role: "admin", doctorId: null },
					doctor: { userId: "doctor-user", role: "doctor", doctorId: this.doctorId },
					stranger: { userId: `${owner}-not`, role: "patient", doctorId: null },
					"other-doctor": { userId: "other-user", role: "doctor", doctorId: `${this.doctorId}-other` },
				};
				return { kind: "cancel", id, actor: actors[c.actor] };
			}
			case "cancel-unknown":
				return {
					kind: "cancel",
					id: `${this.doctorId}.${this.date}.0000000000000000`,
					actor: { userId: "admin", role: "admin", doctorId: null },
				};
			case "schedule":
				return {
					kind: "config",
					pushed: this.issue({
						ranges: RANGE_SETS[c.ranges] ?? [],
						capacity: c.capacity,
						slotMinutes: c.slotMinutes,
					}),
				};
			case "unavailability": {
				const blocks = (BLOCK_SETS[c.blocks] ?? []).map((b, i) => ({ id: `b${i}`, ...b, reason: null }));
				return { kind: "config", pushed: this.issue({ blocks }) };
			}
			case "flags":
				return { kind: "config", pushed: this.issue({ isAvailable: c.isAvailable }) };
			case "stale-push":
				return { kind: "config", pushed: this.issued[c.back % this.issued.length] as DayConfig };
			case "read":
				return { kind: "read", pushed: this.newest };
			case "check":
				return { kind: "check", pushed: this.newest, start: this.start(c.time) };
			case "evict":
				return null;
		}
	}

	invoke(call: Call): Promise<Result> {
		switch (call.kind) {
			case "book":
				return this.stub.book(call.pushed, call.request);
			case "cancel":
				return this.stub.cancel(call.id, call.actor);
			case "config":
				return this.stub.applyConfig(call.pushed);
			case "read":
				return this.stub.availability(call.pushed);
			case "check":
				return this.stub.check(call.pushed, call.start);
		}
	}

	async readBack(): Promise<ReadBack> {
		// The oldest config is never newer than the object's, so this read changes nothing.
		const view = await this.stub.availability(this.issued[0] as DayConfig);
		const ids = [...this.acknowledged.keys()];
		const stored = await runInDurableObject(this.stub, (_instance, state) => {
			const store = new DayStore(state.storage);
			return {
				confirmed: store.confirmed().map((s) => s.appointment),
				known: ids.map((id) => [id, store.find(id)?.appointment ?? null] as const),
			};
		});
		return { view, confirmed: stored.confirmed, known: new Map(stored.known) };
	}

	/** Records what the answers acknowledged, for the invariants that need no model. */
	acknowledge(calls: Call[], results: Result[]): void {
		calls.forEach((call, i) => {
			const result = results[i] as Result;
			if (call.kind === "book" && "ok" in result && result.ok && "replayed" in result) {
				const { appointment } = result;
				if (!this.acknowledged.has(appointment.id)) this.acknowledged.set(appointment.id, appointment);
				if (call.request.idempotencyKey !== null) {
					const slot = `${call.request.bookedBy} ${call.request.idempotencyKey}`;
					const owner = this.keyOwner.get(slot) ?? appointment.id;
					expect(appointment.id, `idempotency key ${slot} answered two appointments`).toBe(owner);
					this.keyOwner.set(slot, owner);
				}
			}
			if (call.kind === "cancel" && "ok" in result && result.ok) this.cancelled.add(call.id);
		});
	}
}

// ---- explaining a batch ----------------------------------------------------------------------------

/**
 * What is known about the object's version while walking an order: exactly `at`, or at least `at`.
 * Changes the answer does not report (a cancellation, a config adopted on the way) only raise the floor.
 */
class VersionTrack {
	constructor(
		private at: number,
		private exact = true,
	) {}

	unreported(changes: number): void {
		if (changes > 0) {
			this.at += changes;
			this.exact = false;
		}
	}

	/** A change that answers its own version: it must be newer than everything before it. */
	changed(version: number): string | null {
		if (version < this.at + 1) return `version ${version} does not exceed ${this.at}`;
		this.at = version;
		this.exact = true;
		return null;
	}

	/** An answer without a change: the version as it stands. */
	same(version: number): string | null {
		if (this.exact ? version !== this.at : version < this.at)
			return `version ${version}, expected ${this.exact ? "" : "≥ "}${this.at}`;
		this.at = version;
		this.exact = true;
		return null;
	}

	final(version: number): string | null {
		return this.same(version);
	}
}

function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

/** A call in a line, for failure messages. */
function describeCall(call: Call): string {
	const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);
	const config = (c: DayConfig) =>
		`v${c.version} capacity ${c.capacity}, ${c.slotMinutes} min, ranges ${c.ranges.map((r) => `${r.start}-${r.end}`).join(" ") || "none"}, blocks ${c.blocks.map((b) => `${b.start}-${b.end}`).join(" ") || "none"}${c.isAvailable ? "" : ", doctor unavailable"}`;
	switch (call.kind) {
		case "book": {
			const q = call.request;
			const by = q.bookedBy === q.patientId ? "" : ` by ${q.bookedBy}`;
			return `book ${q.patientId}${by} at ${time(q.start)} (${q.consultationMode}, reason ${q.reason}, key ${q.idempotencyKey}) pushing ${config(call.pushed)}`;
		}
		case "cancel":
			return `cancel …${call.id.slice(-8)} as ${call.actor.role} ${call.actor.userId}`;
		case "config":
			return `apply ${config(call.pushed)}`;
		case "read":
			return `read pushing v${call.pushed.version}`;
		case "check":
			return `check ${time(call.start)} pushing v${call.pushed.version}`;
	}
}

/** JSON cut short, for failure messages. */
function brief(value: unknown, length = 240): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** Runs `call` on the model and says why the object's `result` cannot be its answer (null when it can). */
function step1(
	model: DayModel,
	call: Call,
	result: Result,
	versions: VersionTrack,
	doctorId: string,
): string | null {
	const before = model.changes;
	let expected: Expected;
	switch (call.kind) {
		case "book": {
			const r = result as BookResult;
			expected = model.book(call.pushed, call.request, r.ok && !r.replayed ? r.appointment.id : "(none)");
			const adopted = model.changes - before - (expected.kind === "booked" ? 1 : 0);
			versions.unreported(adopted);
			switch (expected.kind) {
				case "booked": {
					if (!r.ok || r.replayed) return `expected a new booking, got ${brief(r)}`;
					const a = r.appointment;
					const q = call.request;
					const fieldsOk =
						a.patient_id === q.patientId &&
						Date.parse(a.start) === q.start &&
						a.consultation_mode === q.consultationMode &&
						a.reason === q.reason &&
						a.status === "confirmed" &&
						a.doctor_id === doctorId &&
						a.id.startsWith(`${doctorId}.${a.date}.`);
					if (!fieldsOk) return `booked appointment does not match its request: ${JSON.stringify(a)}`;
					return versions.changed(r.version);
				}
				case "replayed": {
					if (!r.ok || !r.replayed) return `expected a replay of ${expected.appointment.id}, got ${brief(r)}`;
					if (
						r.appointment.id !== expected.appointment.id ||
						r.appointment.status !== expected.appointment.status
					)
						return `replay answered ${r.appointment.id} (${r.appointment.status}), expected ${expected.appointment.id} (${expected.appointment.status})`;
					return versions.same(r.version);
				}
				case "key-reused":
					if (r.ok || r.code !== "IDEMPOTENCY_KEY_REUSED" || r.appointment.id !== expected.appointment.id)
						return `expected IDEMPOTENCY_KEY_REUSED for ${expected.appointment.id}, got ${brief(r)}`;
					return null;
				case "refused": {
					if (r.ok || !("booked" in r) || r.code !== expected.code)
						return `expected ${expected.code}, got ${brief(r)}`;
					if (r.booked !== expected.booked || r.capacity !== expected.capacity)
						return `${r.code} with booked ${r.booked}/${r.capacity}, expected ${expected.booked}/${expected.capacity}`;
					if (!sameJson(r.sameDayAlternatives, expected.alternatives))
						return `${r.code} offers other alternatives`;
					return null;
				}
				default:
					return `unexpected ${expected.kind}`;
			}
		}
		case "cancel": {
			const r = result as CancelResult;
			expected = model.cancel(call.id, call.actor);
			if (expected.kind === "cancel-refused")
				return !r.ok && r.code === expected.code ? null : `expected ${expected.code}, got ${brief(r)}`;
			if (expected.kind !== "cancelled") return `unexpected ${expected.kind}`;
			if (
				!r.ok ||
				r.appointment.id !== call.id ||
				r.appointment.status !== "cancelled" ||
				r.changed !== expected.changed
			)
				return `expected a cancellation (changed: ${expected.changed}), got ${brief(r)}`;
			versions.unreported(model.changes - before);
			return null;
		}
		case "config": {
			const r = result as ConfigApplied;
			expected = model.applyConfig(call.pushed);
			if (expected.kind !== "config") return `unexpected ${expected.kind}`;
			const affected = r.affected.map((a) => a.id).sort();
			if (!sameJson(affected, expected.affected))
				return `affected ${JSON.stringify(affected)}, expected ${JSON.stringify(expected.affected)}`;
			if (r.affected.some((a) => a.status !== "confirmed"))
				return "a listed affected booking is not confirmed";
			return expected.adopted ? versions.changed(r.version) : versions.same(r.version);
		}
		case "read": {
			const r = result as DayAvailability;
			expected = model.read(call.pushed);
			if (expected.kind !== "view") return `unexpected ${expected.kind}`;
			const { version, doctor_id, date, timezone, ...rest } = r;
			if (!sameJson(rest, expected.view))
				return `read ${brief(rest, 600)}, expected ${brief(expected.view, 600)}`;
			return model.changes > before ? versions.changed(version) : versions.same(version);
		}
		case "check": {
			const r = result as Exclude<SlotCheck, WrongDay>;
			expected = model.check(call.pushed, call.start);
			versions.unreported(model.changes - before);
			if (expected.kind !== "check") return `unexpected ${expected.kind}`;
			const got = { available: r.available, code: r.code, status: r.status, remaining: r.remaining };
			const want = {
				available: expected.available,
				code: expected.code,
				status: expected.status,
				remaining: expected.remaining,
			};
			if (!sameJson(got, want)) return `check ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
			return r.capacity === model.config?.capacity ? null : `check capacity ${r.capacity}`;
		}
	}
}

/** Why the state read back is not the model's (null when it is). */
function stateMismatch(model: DayModel, back: ReadBack): string | null {
	const { version, doctor_id, date, timezone, ...rest } = back.view;
	if (!sameJson(rest, model.view()))
		return `day reads ${brief(rest, 600)}, model ${brief(model.view(), 600)}`;
	const confirmed = back.confirmed.map((a) => a.id).sort();
	const modelConfirmed = model.appointments
		.filter((a) => a.status === "confirmed")
		.map((a) => a.id)
		.sort();
	if (!sameJson(confirmed, modelConfirmed))
		return `confirmed ${JSON.stringify(confirmed)}, model ${JSON.stringify(modelConfirmed)}`;
	for (const a of model.appointments) {
		const held = back.known.get(a.id);
		if (held !== undefined && held?.status !== a.status)
			return `${a.id} is ${held?.status ?? "gone"}, model ${a.status}`;
	}
	return null;
}

function* permutations(n: number): Generator<number[]> {
	const order = Array.from({ length: n }, (_, i) => i);
	function* permute(k: number): Generator<number[]> {
		if (k === n) {
			yield [...order];
			return;
		}
		for (let i = k; i < n; i++) {
			[order[k], order[i]] = [order[i] as number, order[k] as number];
			yield* permute(k + 1);
			[order[k], order[i]] = [order[i] as number, order[k] as number];
		}
	}
	yield* permute(0);
}

/** The model after some order of `calls` that explains every answer and the state read back; throws if none does. */
function explain(
	run: Run,
	calls: Call[],
	results: Result[],
	versionBefore: number,
	back: ReadBack,
): DayModel {
	const reasons: string[] = [];
	for (const order of permutations(calls.length)) {
		const model = run.model.clone();
		const versions = new VersionTrack(versionBefore);
		let why: string | null = null;
		for (const i of order) {
			why = step1(model, calls[i] as Call, results[i] as Result, versions, run.doctorId);
			if (why !== null) {
				why = `call ${i} (${(calls[i] as Call).kind}): ${why}`;
				break;
			}
		}
		why ??= stateMismatch(model, back) ?? versions.final(back.view.version);
		if (why === null) return model;
		if (reasons.length < 3) reasons.push(`order [${order.join(", ")}]: ${why}`);
	}
	throw new Error(
		[
			"no sequential order of the batch explains what the object answered",
			`before: ${brief(run.model.view(), 600)}`,
			...calls.map((c, i) => `call ${i}: ${describeCall(c)}`),
			...results.map((r, i) => `answer ${i}: ${brief(r, 400)}`),
			`read back: ${brief(back.view, 1200)}`,
			...reasons,
		].join("\n"),
	);
}

/** Invariants that need no model: over capacity only where a capacity decrease left it, no lost or zombie booking. */
function checkInvariants(run: Run, model: DayModel, back: ReadBack): void {
	for (const slot of back.view.slots) {
		const ceiling = Math.max(slot.capacity, model.capacityAtLastBooking.get(Date.parse(slot.start)) ?? 0);
		expect(slot.booked, `slot ${slot.time} over capacity`).toBeLessThanOrEqual(ceiling);
	}
	for (const [id, first] of run.acknowledged) {
		const held = back.known.get(id);
		expect(held, `acknowledged appointment ${id} disappeared`).toBeTruthy();
		expect(held?.status, `appointment ${id}`).toBe(run.cancelled.has(id) ? "cancelled" : "confirmed");
		// A cancellation adds to the history; what the booking's answer held stays as it was.
		const history = held?.history?.slice(0, first.history?.length ?? 0);
		expect({ ...held, status: first.status, cancelled_at: null, history }).toEqual({
			...first,
			cancelled_at: null,
		});
	}
	// A cancelled appointment is never counted: the slot counts are exactly the confirmed appointments.
	const counted = new Map<string, number>();
	for (const a of back.confirmed) counted.set(a.start, (counted.get(a.start) ?? 0) + 1);
	for (const slot of back.view.slots)
		expect(slot.booked, `count of ${slot.time}`).toBe(counted.get(slot.start) ?? 0);
}

async function execute(run: Run, steps: Command[][]): Promise<void> {
	const first = run.newest;
	const applied = await run.stub.applyConfig(first);
	run.model.applyConfig(first);
	let version = applied.version;
	for (const commands of steps) {
		if (commands[0]?.type === "evict") {
			await evictDurableObject(run.stub).catch(() => undefined); // rejects when the object is not running
			const back = await run.readBack();
			expect(stateMismatch(run.model, back), "state after eviction").toBeNull();
			expect(back.view.version).toBe(version);
			continue;
		}
		const calls = commands.map((c) => run.resolve(c)).filter((c): c is Call => c !== null);
		if (calls.length === 0) continue;
		const results = await Promise.all(calls.map((c) => run.invoke(c)));
		run.acknowledge(calls, results);
		const back = await run.readBack();
		run.model = explain(run, calls, results, version, back);
		checkInvariants(run, run.model, back);
		version = back.view.version;
	}
	// The D1 index holds every appointment with the object's status once the events are delivered.
	await drained(run.stub);
	const { results } = await env.DB.prepare(
		"SELECT id, status FROM appointments WHERE doctor_id = ? ORDER BY id",
	)
		.bind(run.doctorId)
		.all<{ id: string; status: string }>();
	const expected = run.model.appointments
		.map((a) => ({ id: a.id, status: a.status }))
		.sort((a, b) => a.id.localeCompare(b.id));
	expect(results, "the D1 index agrees with the object").toEqual(expected);
}

/** Waits (bounded) until the day's events reached every consumer: D1 is filled after each answer. */
async function drained(stub: ReturnType<typeof doctorDay>): Promise<void> {
	const until = Date.now() + 10_000;
	while ((await stub.eventBacklog()).pending > 0) {
		if (Date.now() > until) throw new Error("the day's events were not delivered in time");
		await scheduler.wait(10);
	}
}

describe("one DoctorDay object against a sequential model", () => {
	it(
		"agrees with the model after every step and every concurrent batch",
		async () => {
			await fc.assert(
				fc.asyncProperty(scenario, async ({ capacity, ranges, steps }) => {
					await execute(new Run(capacity, ranges), steps);
				}),
				runs(60),
			);
		},
		timeLimit(120_000),
	);

	it(
		"explains concentrated contention: batches of bookings, retries and cancellations on one capacity-2 slot",
		async () => {
			const contended = fc.oneof(
				{
					weight: 4,
					arbitrary: fc.record({
						type: fc.constant("book" as const),
						by: fc.constantFrom("self" as const, "admin" as const),
						patient: index(PATIENTS),
						time: fc.constant(2),
						key: fc.option(fc.nat(1), { nil: null }),
						mode: fc.constant(0),
						reason: fc.constant(false),
						stale: fc.constant(false),
					}),
				},
				{ weight: 2, arbitrary: fc.record({ type: fc.constant("retry" as const), pick: fc.nat() }) },
				{
					weight: 2,
					arbitrary: fc.record({
						type: fc.constant("cancel" as const),
						pick: fc.nat(),
						actor: fc.constant<ActorKind>("owner"),
					}),
				},
				{
					weight: 1,
					arbitrary: fc.record({
						type: fc.constant("schedule" as const),
						ranges: fc.constant(0),
						capacity: fc.integer({ min: 1, max: 3 }),
						slotMinutes: fc.constant(30),
					}),
				},
			);
			await fc.assert(
				fc.asyncProperty(
					fc.array(fc.array(contended, { minLength: 3, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
					async (steps) => {
						await execute(new Run(2, 0), steps);
					},
				),
				runs(40),
			);
		},
		timeLimit(120_000),
	);

	it(
		"gives exactly min(k, free) of k simultaneous bookings of one slot",
		async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.integer({ min: 1, max: 4 }),
					fc.integer({ min: 0, max: 3 }),
					fc.integer({ min: 1, max: 12 }),
					async (capacity, alreadyBooked, k) => {
						const run = new Run(capacity, 0);
						await run.stub.applyConfig(run.newest);
						const start = Date.parse(`${run.date}T10:00:00.000Z`);
						const request = (patientId: string): BookRequest => ({
							patientId,
							bookedBy: patientId,
							start,
							consultationMode: "in_person",
							reason: null,
							idempotencyKey: null,
						});
						const held = Math.min(alreadyBooked, capacity);
						for (let i = 0; i < held; i++) await run.stub.book(run.newest, request(`early-${i}`));
						const results = await Promise.all(
							Array.from({ length: k }, (_, i) => run.stub.book(run.newest, request(`racer-${i}`))),
						);
						const won = results.filter((r) => r.ok);
						expect(won).toHaveLength(Math.min(k, capacity - held));
						expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "SLOT_FULL")).toBe(true);
						const versions = won.map((r) => (r.ok ? r.version : 0));
						expect(new Set(versions).size, "each booking has its own version").toBe(versions.length);
						const view = await run.stub.availability(run.newest);
						expect(view.slots.find((s) => Date.parse(s.start) === start)?.booked).toBe(held + won.length);
					},
				),
				runs(30),
			);
		},
		timeLimit(60_000),
	);
});
