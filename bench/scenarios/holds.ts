// Holds: (1) hold → confirm against plain booking, interleaved in one open-loop load on one doctor-day;
// (2) how fast one doctor-day's object expires holds: N holds placed as fast as the service takes them with
// hold_seconds at its minimum, watched on the day's live socket until every place is free again.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { inDays, mapLimit } from "../../test-e2e/client";
import { bookingRequest, type Verification, verify } from "../lib/booking";
import type { RunContext } from "../lib/context";
import type { CpuUse } from "../lib/cpu";
import { createDoctors, type DoctorDay, SLOTS_PER_DAY, slotStart } from "../lib/fixtures";
import { daySocket } from "../lib/live";
import { type Answer, type BenchRequest, openFlows, send } from "../lib/open-loop";
import { countBy, type LatencySummary, summarize } from "../lib/stats";

/** The schedule's smallest hold_seconds (src/api/schemas.ts). */
const MIN_HOLD_SECONDS = 10;
/** Places per slot: nothing is refused for lack of room during either load. */
const CAPACITY = 1000;
/** Clients placing the expiring holds at once. */
const PLACING_CLIENTS = 16;

export interface HoldStep {
	/** What was timed, e.g. "hold → confirm". */
	step: string;
	statuses: Record<string, number>;
	latency: LatencySummary;
}

export interface HoldExpiry {
	holdSeconds: number;
	/** Holds asked for, and placed (201). */
	requested: number;
	placed: number;
	placeStatuses: Record<string, number>;
	/** From the first hold sent to the last one answered (s). */
	placeS: number;
	/** Last expires_at − first expires_at (s): the window in which the holds came due. */
	dueSpanS: number;
	/** Places the day's socket showed freed, and over how long (first to last freeing update, s). */
	freed: number;
	freedSpanS: number;
	/** The most places the day's socket showed held at once. */
	peakHeld: number;
	/** Updates that freed places, and the most places one update freed. */
	freeingUpdates: number;
	largestBatch: number;
	/** The k-th place shown freed − the k-th earliest expires_at (ms). */
	lag: LatencySummary;
	/** Placed holds still shown held when the wait ended. */
	missing: number;
}

export interface HoldsResult {
	target: string;
	/** Arrivals per second (half plain bookings, half hold → confirm) and seconds of load. */
	rate: number;
	durationS: number;
	steps: HoldStep[];
	overloaded: boolean;
	maxSendLagMs: number;
	cpu: CpuUse;
	verification: Verification;
	expiry: HoldExpiry | null;
	expiryError: string | null;
}

const parse = (answer: Answer) => JSON.parse(answer.body ?? "{}");

export async function holds(ctx: RunContext): Promise<HoldsResult> {
	const [doctor] = await createDoctors(ctx.target, 1, CAPACITY);
	if (doctor === undefined) throw new Error("could not create the holds doctor");
	const day: DoctorDay = { doctorId: doctor.id, date: inDays(1), capacity: CAPACITY };
	// A hold and its confirmation are two requests: arrivals at 1/1.5 of the booking rate give the service
	// about the request rate of the other open-loop rows.
	const rate = Math.max(1, Math.round(ctx.rate / 1.5));
	const samples = {
		plain: [] as number[],
		hold: [] as number[],
		confirm: [] as number[],
		flow: [] as number[],
	};
	const statuses = {
		plain: [] as number[],
		hold: [] as number[],
		confirm: [] as number[],
		flow: [] as number[],
	};
	const book = async (send: (r: BenchRequest) => Promise<Answer>, request: BenchRequest) => {
		const answer = await send(request);
		ctx.ledger.record(request.tag, answer.status, answer.status === 201 ? answer.body : undefined);
		return answer;
	};
	const result = await openFlows(ctx.target.baseUrl, {
		rate,
		durationS: ctx.config.stepS,
		flow: async (i, send, intended) => {
			const patient = ctx.nextPatient();
			const slot = Math.floor(ctx.rng() * SLOTS_PER_DAY);
			if (i % 2 === 0) {
				const answer = await book(send, bookingRequest(day, slot, patient));
				samples.plain.push(performance.now() - intended);
				statuses.plain.push(answer.status);
				return;
			}
			const held = await send({
				method: "POST",
				path: "/api/holds",
				headers: { authorization: `Bearer ${patient.token}` },
				body: JSON.stringify({ doctor_id: day.doctorId, start: slotStart(day.date, slot) }),
			});
			samples.hold.push(performance.now() - intended);
			statuses.hold.push(held.status);
			if (held.status !== 201) return;
			const sent = performance.now();
			const confirmed = await book(
				send,
				bookingRequest(day, slot, patient, { hold_id: parse(held).hold.id }),
			);
			samples.confirm.push(performance.now() - sent);
			statuses.confirm.push(confirmed.status);
			samples.flow.push(performance.now() - intended);
			statuses.flow.push(confirmed.status);
		},
	});
	const verification = await verify(ctx.target.baseUrl, ctx.target.adminToken, ctx.ledger, [day]);
	const step = (name: string, key: keyof typeof samples): HoldStep => ({
		step: name,
		statuses: countBy(statuses[key], (s) => s),
		latency: summarize(samples[key]),
	});
	const steps = [
		step("plain booking", "plain"),
		step("hold", "hold"),
		step("confirm (after the hold's answer)", "confirm"),
		step("hold → confirm", "flow"),
	];
	ctx.log(
		`holds: ${steps.map((s) => `${s.step} p50 ${s.latency.p50.toFixed(0)} / p99 ${s.latency.p99.toFixed(0)} ms`).join("; ")}; check ${verification.ok ? "ok" : "FAILED"}`,
	);
	// A failed expiry measurement keeps the latency rows; run.ts reports the error.
	let expiry: HoldExpiry | null = null;
	let expiryError: string | null = null;
	try {
		expiry = await holdExpiry(ctx);
	} catch (error) {
		expiryError = error instanceof Error ? (error.stack ?? error.message) : String(error);
	}
	return {
		target: ctx.target.name,
		rate,
		durationS: ctx.config.stepS,
		steps,
		overloaded: result.overloaded,
		maxSendLagMs: result.maxSendLagMs,
		cpu: result.cpu,
		verification,
		expiry,
		expiryError,
	};
}

/**
 * N holds on one fresh doctor-day with hold_seconds at its minimum, placed by a few clients as fast as the
 * service answers; the day's live socket (opened first) shows each slot's `held` fall as the object's alarm
 * expires them. The holds come due as fast as they were placed, so the rate of freeing is bounded by that.
 */
async function holdExpiry(ctx: RunContext): Promise<HoldExpiry> {
	const [doctor] = await createDoctors(ctx.target, 1, CAPACITY, 1, { hold_seconds: MIN_HOLD_SECONDS });
	if (doctor === undefined) throw new Error("could not create the hold-expiry doctor");
	const day: DoctorDay = { doctorId: doctor.id, date: inDays(1), capacity: CAPACITY };
	const socket = await daySocket(ctx.target.baseUrl, day);
	const held = new Map<string, number>();
	for (const slot of socket.messages[0]?.data.slots ?? []) held.set(slot.start, slot.held);
	/** Date.now() of each freeing update, once per place it freed. */
	const freedAt: number[] = [];
	let freeingUpdates = 0;
	let largestBatch = 0;
	let heldNow = 0;
	let peakHeld = 0;
	let allFree: () => void = () => {};
	socket.onMessage = (message) => {
		if (message.data.type !== "update") return;
		let freed = 0;
		for (const slot of message.data.slots as Array<{ start: string; held: number }>) {
			const before = held.get(slot.start) ?? 0;
			if (slot.held < before) freed += before - slot.held;
			heldNow += slot.held - before;
			held.set(slot.start, slot.held);
		}
		peakHeld = Math.max(peakHeld, heldNow);
		if (freed === 0) return;
		freeingUpdates++;
		largestBatch = Math.max(largestBatch, freed);
		for (let k = 0; k < freed; k++) freedAt.push(message.wall);
		if (heldNow === 0) allFree();
	};

	const url = new URL(ctx.target.baseUrl);
	const agent = new http.Agent({ keepAlive: true, maxSockets: PLACING_CLIENTS });
	const requested = ctx.config.holdExpiries;
	const patients = Array.from({ length: requested }, () => ctx.nextPatient());
	const placeStatuses: number[] = [];
	const expiresAt: number[] = [];
	const started = performance.now();
	await mapLimit(requested, PLACING_CLIENTS, async (i) => {
		const patient = patients[i] as (typeof patients)[number];
		const answer = await send(
			url,
			agent,
			{
				method: "POST",
				path: "/api/holds",
				headers: { authorization: `Bearer ${patient.token}` },
				body: JSON.stringify({ doctor_id: day.doctorId, start: slotStart(day.date, i % SLOTS_PER_DAY) }),
			},
			30_000,
		);
		placeStatuses.push(answer.status);
		if (answer.status === 201) expiresAt.push(Date.parse(parse(answer).hold.expires_at));
	});
	const placeS = (performance.now() - started) / 1000;
	agent.destroy();
	expiresAt.sort((a, b) => a - b);
	const lastDue = expiresAt.at(-1) ?? Date.now();
	// Every place free again, or 15 s past the last hold's expiry.
	await new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, Math.max(0, lastDue - Date.now()) + 15_000);
		allFree = () => {
			clearTimeout(timer);
			resolve();
		};
		if (freedAt.length >= expiresAt.length && heldNow === 0) allFree();
	});
	socket.close();
	const lags = freedAt.slice(0, expiresAt.length).map((at, k) => at - (expiresAt[k] as number));
	const span = (values: number[]) => ((values.at(-1) ?? 0) - (values[0] ?? 0)) / 1000;
	const result: HoldExpiry = {
		holdSeconds: MIN_HOLD_SECONDS,
		requested,
		placed: expiresAt.length,
		placeStatuses: countBy(placeStatuses, (s) => s),
		placeS,
		dueSpanS: span(expiresAt),
		freed: freedAt.length,
		freedSpanS: span(freedAt),
		peakHeld,
		freeingUpdates,
		largestBatch,
		lag: summarize(lags),
		missing: Math.max(0, expiresAt.length - freedAt.length),
	};
	ctx.log(
		`holds: ${result.placed} holds placed in ${placeS.toFixed(1)} s, ${result.freed} freed over ${result.freedSpanS.toFixed(1)} s in ${freeingUpdates} updates, lag p50 ${result.lag.p50.toFixed(0)} / p99 ${result.lag.p99.toFixed(0)} ms, missing ${result.missing}`,
	);
	return result;
}
