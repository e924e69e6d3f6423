// Hops and projection lag, on a service of its own started with HOP_TRACE=on (the other scenarios run with
// tracing off, as deployed):
// - hops: per request type, the remote calls made before the answer and after it, by kind, as counted where
//   they are made (src/lib/hops.ts, read and reset through GET /api/_debug/hops). Locally the Worker and
//   every object share one isolate, so the one log holds both sides; the scenario checks that it does.
//   Warm: the doctor's routing record is cached and its objects are running. Cold: the first request for
//   its doctor after a restart (a fresh isolate: empty routing cache, objects started from storage).
// - projection lag: from a 201 to the booking listed by GET /api/appointments (read from D1's projection,
//   written by the day object's event delivery after the answer).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { type Ctx, inDays, wsUrl } from "../../test-e2e/client";
import { untilListed } from "../lib/booking";
import type { Config } from "../lib/config";
import { quietGate, setServiceRoot } from "../lib/cpu";
import {
	api,
	apiOnce,
	type BenchDoctor,
	createDoctors,
	mintPatients,
	type Patient,
	slotStart,
} from "../lib/fixtures";
import type { Source } from "../lib/server";
import { type LatencySummary, summarize } from "../lib/stats";
import { DESCRIPTIONS, startTarget, type Target, type TargetName } from "../lib/targets";

export const HOP_KINDS = ["worker→object", "worker→D1", "object→D1", "object→object"] as const;
export type HopKind = (typeof HOP_KINDS)[number];

interface Hop {
	kind: HopKind;
	phase: "before" | "after";
	site: string;
}

/** min and max over the samples, per kind. */
export type HopRange = Record<HopKind, [number, number]>;

export interface HopStat {
	n: number;
	statuses: Record<string, number>;
	before: HopRange;
	/** min and max of all calls before the answer. */
	beforeTotal: [number, number];
	after: HopRange;
	/** Distinct call sites of the calls before the answer, and after it. */
	sites: string[];
	afterSites: string[];
	/** Calls tagged "before" that were recorded after the answer had arrived: someone else's, not counted. */
	strays: number;
}

export interface HopRow {
	request: string;
	/** The most calls before the answer a warm request may make; null: no expectation. */
	expectWarm: number | null;
	warm: HopStat;
	cold: HopStat;
	/** warm within the expectation (true when there is none). */
	ok: boolean;
	/** Seconds from the cold request to the end of the last warm sample (past 30 s the routing record expires). */
	warmSpanS: number;
}

export interface LagResult {
	bookings: number;
	/** Bookings not listed within the bound. */
	timeouts: number;
	boundMs: number;
	pollEveryMs: number;
	/** 201 arrived → the first list holding it arrived (ms). */
	lag: LatencySummary;
	/** Bookings already listed by the first list read after the 201. */
	firstRead: number;
	/** Round trip of one list read (ms): the resolution of the lag. */
	listRead: LatencySummary;
	/** Bookings that were not a 201 (not measured). */
	refused: number;
}

export interface HopsResult {
	target: string;
	description: string;
	startS: number;
	restartS: number;
	/** The objects' calls were in the Worker's log: they share its isolate, so the object columns count. */
	objectsVisible: boolean;
	rows: HopRow[];
	lag: LagResult | null;
}

const SETTLE_POLL_MS = 50;
/** After an answer, the log is read until it has been quiet this long (event delivery is asynchronous). */
const SETTLE_QUIET_MS = 500;
const SETTLE_MAX_MS = 10_000;
const LAG_POLLING = { pollMs: 2, boundMs: 5_000 };
const LAG_DAYS = 10;
const SLOTS = 16;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function take(t: Target): Promise<Hop[]> {
	// Never repeated: the lost answer of a take would lose the entries it took.
	const call = await apiOnce(t.baseUrl, "GET", "/api/_debug/hops", { token: t.adminToken });
	if (call.status !== 200)
		throw new Error(`GET /api/_debug/hops: ${call.status} (is HOP_TRACE on?) ${JSON.stringify(call.body)}`);
	if (call.body.dropped > 0) throw new Error(`the hop log overflowed (${call.body.dropped} calls dropped)`);
	return call.body.hops as Hop[];
}

/** Reads the log until it has been quiet for SETTLE_QUIET_MS; answers what arrived meanwhile. */
async function settle(t: Target): Promise<Hop[]> {
	const seen: Hop[] = [];
	const deadline = performance.now() + SETTLE_MAX_MS;
	let quietSince = performance.now();
	while (performance.now() - quietSince < SETTLE_QUIET_MS) {
		if (performance.now() > deadline) throw new Error("the hop log never went quiet");
		await sleep(SETTLE_POLL_MS);
		const got = await take(t);
		if (got.length > 0) {
			seen.push(...got);
			quietSince = performance.now();
		}
	}
	return seen;
}

interface Sample {
	status: number;
	before: Hop[];
	after: Hop[];
	strays: number;
}

/** One request alone: the log is drained first, read at the answer, then until delivery is done. */
async function measure(t: Target, send: () => Promise<number>): Promise<Sample> {
	await settle(t);
	const status = await send();
	const atAnswer = await take(t);
	const later = await settle(t);
	return {
		status,
		before: atAnswer.filter((h) => h.phase === "before"),
		after: [...atAnswer, ...later].filter((h) => h.phase === "after"),
		strays: later.filter((h) => h.phase === "before").length,
	};
}

function byKind(hops: readonly Hop[]): Record<HopKind, number> {
	const counts = Object.fromEntries(HOP_KINDS.map((k) => [k, 0])) as Record<HopKind, number>;
	for (const h of hops) counts[h.kind]++;
	return counts;
}

function range(values: number[]): [number, number] {
	return [Math.min(...values), Math.max(...values)];
}

export function hopStat(samples: readonly Sample[]): HopStat {
	const ranges = (pick: (s: Sample) => Hop[]) =>
		Object.fromEntries(HOP_KINDS.map((k) => [k, range(samples.map((s) => byKind(pick(s))[k]))])) as HopRange;
	const statuses: Record<string, number> = {};
	for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
	const distinct = (pick: (s: Sample) => Hop[]) =>
		[...new Set(samples.flatMap((s) => pick(s).map((h) => h.site)))].sort();
	return {
		n: samples.length,
		statuses,
		before: ranges((s) => s.before),
		beforeTotal: range(samples.map((s) => s.before.length)),
		after: ranges((s) => s.after),
		sites: distinct((s) => s.before),
		afterSites: distinct((s) => s.after),
		strays: samples.reduce((n, s) => n + s.strays, 0),
	};
}

interface RequestType {
	name: string;
	expectWarm: number | null;
	/** Sends the k-th request of this type (0 is the cold one) and answers its status. */
	send(k: number): Promise<number>;
}

/** Sent once: a measured request is never repeated. */
function book(t: Target, doctorId: string, date: string, slot: number, patient: Patient) {
	return apiOnce(t.baseUrl, "POST", "/api/appointments", bookingCall(doctorId, date, slot, patient));
}

/** A booking that is not measured: sent again under its key if it was dropped. */
function bookRetrying(t: Target, doctorId: string, date: string, slot: number, patient: Patient) {
	return api(t.baseUrl, "POST", "/api/appointments", bookingCall(doctorId, date, slot, patient));
}

function bookingCall(doctorId: string, date: string, slot: number, patient: Patient) {
	return {
		token: patient.token,
		headers: { "idempotency-key": crypto.randomUUID() },
		body: { doctor_id: doctorId, start: slotStart(date, slot) },
	};
}

/** Opens the day's live socket; 101 once its snapshot arrived (then closes it), 0 otherwise. */
function watchDay(t: Target, doctorId: string, date: string): Promise<number> {
	return new Promise((resolve) => {
		const ws = new WebSocket(wsUrl(t.baseUrl, `/api/doctors/${doctorId}/availability/date/${date}/live`), {
			perMessageDeflate: false,
		});
		const timer = setTimeout(() => finish(0), 10_000);
		const finish = (status: number) => {
			clearTimeout(timer);
			ws.terminate();
			resolve(status);
		};
		ws.on("message", (data) => finish(String(data).startsWith('{"type":"snapshot"') ? 101 : 0));
		ws.on("error", () => finish(0));
	});
}

/** The request types, each on a doctor of its own (the routing cache is per doctor), with their set-up. */
async function requestTypes(t: Target, repeats: number, patients: () => Patient): Promise<RequestType[]> {
	const ctx: Ctx = { baseUrl: t.baseUrl, adminToken: t.adminToken };
	// Capacity 1 for the two SLOT_FULL doctors, so one booking fills a slot.
	const doctors = [...(await createDoctors(ctx, 7, 15)), ...(await createDoctors(ctx, 2, 1))];
	const doctor = (i: number) => {
		const found = doctors[i];
		if (found === undefined) throw new Error("could not create the doctors");
		return found;
	};
	const booking = doctor(0);
	const cancel = doctor(1);
	const day = doctor(2);
	const range62 = doctor(3);
	const check = doctor(4);
	const unpushed = doctor(5);
	const live = doctor(6);
	const full = doctor(7);
	const nearlyFull = doctor(8);
	const date = inDays(2);
	const mustBook = async (d: BenchDoctor, slot: number, patient = patients()) => {
		const call = await bookRetrying(t, d.id, date, slot, patient);
		if (call.status !== 201) throw new Error(`set-up booking: ${call.status} ${JSON.stringify(call.body)}`);
		return { id: call.body.appointment.id as string, patient };
	};
	// the cold one, then the warm samples
	const cancellable: Array<{ id: string; patient: Patient }> = [];
	for (let k = 0; k <= repeats; k++) cancellable.push(await mustBook(cancel, k % SLOTS));
	await mustBook(full, 0);
	// All but two of the day's places taken: SLOT_FULL's alternatives then come from later days too.
	for (let slot = 0; slot < SLOTS - 2; slot++) await mustBook(nearlyFull, slot);

	const status = (call: { status: number }) => call.status;
	return [
		{
			name: "booking",
			expectWarm: 1,
			send: async (k) => status(await book(t, booking.id, date, k % SLOTS, patients())),
		},
		{
			name: "cancel",
			expectWarm: 1,
			send: async (k) => {
				const a = cancellable[k] as { id: string; patient: Patient };
				return status(
					await apiOnce(t.baseUrl, "POST", `/api/appointments/${encodeURIComponent(a.id)}/cancel`, {
						token: a.patient.token,
					}),
				);
			},
		},
		{
			name: "one day's availability",
			expectWarm: 1,
			send: async () =>
				status(await apiOnce(t.baseUrl, "GET", `/api/doctors/${day.id}/availability/date/${date}`)),
		},
		{
			name: "62-day range read",
			expectWarm: 1,
			send: async () =>
				status(
					await apiOnce(
						t.baseUrl,
						"GET",
						`/api/doctors/${range62.id}/availability?from=${inDays(0)}&to=${inDays(61)}`,
					),
				),
		},
		{
			name: "slot check",
			expectWarm: 1,
			send: async () =>
				status(
					await apiOnce(t.baseUrl, "POST", `/api/doctors/${check.id}/slots/check`, {
						body: { start: slotStart(date, 3) },
					}),
				),
		},
		{
			name: "SLOT_FULL, ≥ 5 free places left on the day",
			expectWarm: 2,
			send: async () => status(await book(t, full.id, date, 0, patients())),
		},
		{
			name: "SLOT_FULL, 2 free places left on the day",
			expectWarm: 2,
			send: async () => status(await book(t, nearlyFull.id, date, 0, patients())),
		},
		{
			name: "live day socket upgrade",
			expectWarm: 1,
			send: () => watchDay(t, live.id, date),
		},
		{
			// Config is pushed to today … the horizon; a look-back day never got one, so its object reads D1.
			name: "one day's availability, yesterday (no pushed config)",
			expectWarm: null,
			send: async () =>
				status(
					await apiOnce(t.baseUrl, "GET", `/api/doctors/${unpushed.id}/availability/date/${inDays(-1)}`),
				),
		},
	];
}

/** Sequential bookings, each followed by list reads of its patient's appointments until it is listed. */
async function projectionLag(t: Target, bookings: number, patients: Patient[]): Promise<LagResult> {
	const ctx: Ctx = { baseUrl: t.baseUrl, adminToken: t.adminToken };
	const [doctor] = await createDoctors(ctx, 1, 1000);
	if (doctor === undefined) throw new Error("could not create the lag doctor");
	const lags: number[] = [];
	const reads: number[] = [];
	let timeouts = 0;
	let firstRead = 0;
	let refused = 0;
	await quietGate();
	for (let i = 0; i < bookings; i++) {
		const date = inDays(1 + (i % LAG_DAYS));
		const patient = patients[i % patients.length] as Patient;
		const booked = await bookRetrying(t, doctor.id, date, Math.floor(i / LAG_DAYS) % SLOTS, patient);
		const acked = performance.now();
		if (booked.status !== 201) {
			refused++;
			continue;
		}
		const last = { token: patient.token, date, id: booked.body.appointment.id as string };
		const listed = await untilListed(t.baseUrl, last, acked, LAG_POLLING);
		reads.push(...listed.reads);
		if (listed.listedAfterMs === null) timeouts++;
		else {
			lags.push(listed.listedAfterMs);
			if (listed.reads.length === 1) firstRead++;
		}
	}
	return {
		bookings,
		timeouts,
		boundMs: LAG_POLLING.boundMs,
		pollEveryMs: LAG_POLLING.pollMs,
		lag: summarize(lags),
		firstRead,
		listRead: summarize(reads),
		refused,
	};
}

/**
 * Starts its own service for `name` with HOP_TRACE on, measures hops warm, restarts it and measures them
 * cold, then the projection lag; stops the service.
 */
export async function hops(
	name: TargetName,
	source: Source,
	config: Config,
	log: (message: string) => void,
): Promise<HopsResult> {
	const started = performance.now();
	const t = await startTarget(name, source, { vars: { HOP_TRACE: "on" } });
	setServiceRoot(() => t.pid());
	try {
		const startS = (performance.now() - started) / 1000;
		log(`hops: traced service ready in ${startS.toFixed(1)} s`);
		const minted = await mintPatients(t.authSecret, 200 + config.lagBookings, "bench-hops");
		let next = 0;
		const patients = () => minted[next++ % 200] as Patient;
		const types = await requestTypes(t, config.hopsRepeats, patients);

		// A restart gives a fresh isolate. Per type: its doctor's first request since (cold), then the warm
		// samples at once, while the routing record that request loaded is fresh (it is kept 30 s from the load).
		const restarting = performance.now();
		await t.restart();
		const restartS = (performance.now() - restarting) / 1000;
		const rows: HopRow[] = [];
		for (const type of types) {
			const coldAt = performance.now();
			const cold = await measure(t, () => type.send(0));
			const samples: Sample[] = [];
			for (let k = 1; k <= config.hopsRepeats; k++) samples.push(await measure(t, () => type.send(k)));
			const warm = hopStat(samples);
			const ok = type.expectWarm === null || warm.beforeTotal[1] <= type.expectWarm;
			rows.push({
				request: type.name,
				expectWarm: type.expectWarm,
				warm,
				cold: hopStat([cold]),
				ok,
				warmSpanS: (performance.now() - coldAt) / 1000,
			});
			log(
				`hops ${type.name}: warm ${warm.beforeTotal.join("–")} before the answer, ${Object.values(warm.after)
					.map((r) => r[1])
					.reduce((a, b) => a + b, 0)} after${ok ? "" : " (MORE THAN EXPECTED)"}`,
			);
		}
		const objectsVisible = rows.some((r) =>
			[r.warm, r.cold].some((s) => s.after["object→D1"][1] > 0 || s.before["object→D1"][1] > 0),
		);

		log(`hops: projection lag over ${config.lagBookings} bookings`);
		const lag = await projectionLag(t, config.lagBookings, minted.slice(200));
		log(
			`hops: projection lag p50 ${lag.lag.p50.toFixed(1)} ms, p99 ${lag.lag.p99.toFixed(1)} ms, ${lag.timeouts} not listed in ${LAG_POLLING.boundMs} ms`,
		);
		return {
			target: name,
			description: DESCRIPTIONS[name],
			startS,
			restartS,
			objectsVisible,
			rows,
			lag,
		};
	} finally {
		await t.dispose();
	}
}
