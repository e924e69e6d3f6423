// The booking scenarios: the request paths (what the dev proxy costs), contended and spread booking, and
// the scaling curve. Every load's 201s go into the ledger and are checked afterwards.
import { inDays } from "../../test-e2e/client";
import {
	bookingRequest,
	handlerTimes,
	type LastBooking,
	logOffset,
	slowestBookings,
	untilListed,
	verify,
} from "../lib/booking";
import { closedLoop } from "../lib/closed-loop";
import { closedRow, type LoadRow, openRow, type RunContext } from "../lib/context";
import type { CpuUse } from "../lib/cpu";
import { type DoctorDay, mintPatients, type Patient, SLOTS_PER_DAY, warm } from "../lib/fixtures";
import { type BenchRequest, openLoop } from "../lib/open-loop";
import type { Target } from "../lib/targets";

function largestSpread(ctx: RunContext): DoctorDay[] {
	const sizes = [...ctx.fixtures.spread.keys()].sort((a, b) => b - a);
	return ctx.fixtures.spread.get(sizes[0] ?? 1) ?? [];
}

/** What a booking load needs of the run: its random source, its patients and the ledger of answers. */
export type BookingLoad = Pick<RunContext, "rng" | "nextPatient" | "ledger">;

/** A booking at a random slot of a random one of `days`, as the next patient. */
function randomBooking(ctx: BookingLoad, days: readonly DoctorDay[]): () => BenchRequest {
	return () => {
		const day = days[Math.floor(ctx.rng() * days.length)] as DoctorDay;
		return bookingRequest(day, Math.floor(ctx.rng() * SLOTS_PER_DAY), ctx.nextPatient());
	};
}

// Seconds behind still shows; a minute means the deliveries are stuck, not late.
const LISTED_POLLING = { pollMs: 10, boundMs: 60_000 };

/**
 * The closed load, then how long after its end its last 201 was listed (its deliveries kept up, or not),
 * and, where the service's log is at hand, how much of its slowest 201s passed outside the booking handler.
 */
async function closedBooking(
	ctx: BookingLoad,
	service: Pick<Target, "baseUrl" | "logFile">,
	days: readonly DoctorDay[],
	connections: number,
	durationS: number,
	amount?: number,
) {
	const next = randomBooking(ctx, days);
	const { logFile } = service;
	const logFrom = logFile === null ? 0 : logOffset(logFile);
	// Each 201's latency by its id, and the last 201 as it came: read once the load is over, so the load's
	// own loop does no more work than the ledger's.
	const latencies = new Map<string, number>();
	const last: { body?: string; request?: BenchRequest } = {};
	const result = await closedLoop(service.baseUrl, {
		connections,
		durationS,
		...(amount === undefined ? {} : { amount }),
		request: next,
		onRequest: (request) => ctx.ledger.sent(request.tag),
		onResponse: (status, body, request, latencyMs) => {
			ctx.ledger.answered(request.tag);
			const id = ctx.ledger.record(request.tag, status, body);
			if (id === null) return;
			latencies.set(id, latencyMs);
			last.body = body;
			last.request = request;
		},
	});
	const ended = performance.now();
	if (last.body === undefined || last.request === undefined)
		return { ...result, listedAfterMs: null, slowest: null };
	const { appointment } = JSON.parse(last.body) as { appointment: { id: string; date: string } };
	const token = (last.request.headers?.authorization ?? "").replace(/^Bearer /, "");
	const booked: LastBooking = { token, date: appointment.date, id: appointment.id };
	const { listedAfterMs } = await untilListed(service.baseUrl, booked, ended, LISTED_POLLING);
	// Read after the last 201 was listed: by then the runtime has written the load's log lines.
	const slowest = logFile === null ? null : slowestBookings(latencies, handlerTimes(logFile, logFrom));
	return { ...result, listedAfterMs, slowest };
}

async function openBooking(ctx: RunContext, days: readonly DoctorDay[], rate: number, durationS: number) {
	const next = randomBooking(ctx, days);
	const result = await openLoop(ctx.target.baseUrl, {
		rate,
		durationS,
		request: next,
		keepBody: (status) => status === 201,
	});
	for (const sample of result.samples) ctx.ledger.record(sample.tag, sample.status, sample.body);
	return result;
}

export interface PathRow {
	target: string;
	path: string;
	request: string;
	connections: number;
	n: number;
	throughput: number;
	p50: number;
	p99: number;
	statuses: Record<string, number>;
	cpu: CpuUse;
}

/**
 * The same closed-loop requests through each way into the service: a Worker-only 404 (routing, no
 * storage), a one-query D1 read, a day's availability (one object call; the routing record is cached) and a
 * booking. On the dev target
 * also through the inner runtime's own port, which skips wrangler's ProxyWorker.
 */
export async function paths(ctx: RunContext): Promise<PathRow[]> {
	const days = largestSpread(ctx);
	const probeDay = days[0] as DoctorDay;
	const stepS = Math.min(ctx.config.stepS, 5);
	const connections = ctx.config.connections;
	const ways: Array<[string, string]> = [["public", ctx.target.baseUrl]];
	const inner = await ctx.target.innerUrl();
	if (inner !== null) ways.push(["inner port (no proxy)", inner]);
	const rows: PathRow[] = [];
	const requests: Array<[string, () => BenchRequest]> = [
		["Worker only (404)", () => ({ method: "GET", path: "/api/bench-floor" })],
		["D1 read (GET doctor)", () => ({ method: "GET", path: `/api/doctors/${probeDay.doctorId}` })],
		[
			"day availability (one object call)",
			() => {
				const day = days[Math.floor(ctx.rng() * days.length)] as DoctorDay;
				return { method: "GET", path: `/api/doctors/${day.doctorId}/availability/date/${day.date}` };
			},
		],
	];
	for (const [way, url] of ways) {
		for (const [name, request] of requests) {
			const result = await closedLoop(url, { connections, durationS: stepS, request });
			rows.push({ target: ctx.target.name, path: way, request: name, connections, ...pick(result) });
		}
		const result = await closedBooking(ctx, { baseUrl: url, logFile: null }, days, connections, stepS);
		rows.push({ target: ctx.target.name, path: way, request: "booking", connections, ...pick(result) });
		ctx.log(`paths ${way}: booking ${result.throughput.toFixed(1)}/s`);
	}
	return rows;
}

function pick(result: Awaited<ReturnType<typeof closedLoop>>) {
	const { total: n, throughput, p50, p99, statuses, cpu } = result;
	return { n, throughput, p50, p99, statuses, cpu };
}

/**
 * Bookings on days of their own, measured by no row: the first loads on a fresh runtime run the booking path
 * before V8 has compiled it (on 2026-12-01 the first 6 s of bookings went at a third of the later rate).
 */
export async function warmUp(ctx: RunContext, durationS = 10): Promise<number> {
	const result = await closedBooking(ctx, ctx.target, ctx.fixtures.warmUp, 16, durationS);
	return result.throughput;
}

/** Throughput of bookings spread over the largest doctor-day set by a few clients, to set the open-loop rate. */
export async function calibrate(ctx: RunContext): Promise<number> {
	const result = await closedBooking(
		ctx,
		ctx.target,
		largestSpread(ctx),
		ctx.config.calibrationConnections,
		5,
	);
	return result.throughput;
}

/** Many patients racing for the 16 slots of one doctor-day, capacity 1 and 15. */
export async function contended(ctx: RunContext): Promise<LoadRow[]> {
	const rows: LoadRow[] = [];
	for (const { capacity, doctor } of ctx.fixtures.contended) {
		// A fresh day for each load, so each starts with every place free.
		const openDay: DoctorDay = { doctorId: doctor.id, date: inDays(1), capacity };
		const closedDay: DoctorDay = { doctorId: doctor.id, date: inDays(2), capacity };
		const label = `capacity ${capacity}`;
		const base = { target: ctx.target.name, scenario: "contended" };
		const open = await openBooking(ctx, [openDay], ctx.rate, ctx.config.stepS);
		const openVerification = await verify(ctx.target.baseUrl, ctx.target.adminToken, ctx.ledger, [openDay]);
		rows.push({ ...openRow({ ...base, label }, open, 201), verification: openVerification });
		const closed = await closedBooking(
			ctx,
			ctx.target,
			[closedDay],
			ctx.config.connections,
			ctx.config.stepS,
		);
		const closedVerification = await verify(ctx.target.baseUrl, ctx.target.adminToken, ctx.ledger, [
			closedDay,
		]);
		rows.push({ ...closedRow({ ...base, label }, closed), verification: closedVerification });
		ctx.log(
			`contended ${label}: open p99 ${rows.at(-2)?.p99.toFixed(0)} ms, closed ${closed.throughput.toFixed(1)}/s`,
		);
	}
	return rows;
}

const FLOOR_LABEL = "none: Worker only (404)";

/** The same load over 1, 100 and 1,000 doctor-days: how throughput grows with doctor-days. */
export async function spread(ctx: RunContext): Promise<LoadRow[]> {
	// The floor of the open rows' CPU: a request that reaches no object, at the same rate.
	const floor = await openLoop(ctx.target.baseUrl, {
		rate: ctx.rate,
		durationS: ctx.config.stepS,
		request: () => ({ method: "GET", path: "/api/bench-floor" }),
	});
	const rows: LoadRow[] = [
		openRow({ target: ctx.target.name, scenario: "spread", label: FLOOR_LABEL }, floor, 404),
	];
	for (const [size, days] of [...ctx.fixtures.spread].sort((a, b) => a[0] - b[0])) {
		await warm(ctx.target.baseUrl, days);
		const label = `${size} doctor-day${size === 1 ? "" : "s"}`;
		const base = { target: ctx.target.name, scenario: "spread", label };
		const open = await openBooking(ctx, days, ctx.rate, ctx.config.stepS);
		rows.push(openRow(base, open, 201));
		const closed = await closedBooking(ctx, ctx.target, days, ctx.config.connections, ctx.config.stepS);
		rows.push(closedRow(base, closed));
		const verification = await verify(ctx.target.baseUrl, ctx.target.adminToken, ctx.ledger, days);
		(rows.at(-1) as LoadRow).verification = verification;
		ctx.log(
			`spread ${label}: open p99 ${rows.at(-2)?.p99.toFixed(0)} ms, closed ${closed.throughput.toFixed(1)}/s`,
		);
	}
	rows.push(await firstTimePatients(ctx));
	return rows;
}

/**
 * The closed load over the largest set again, by patients who never had an inbox: each booking's
 * notification also creates its patient's User object and storage (the other rows book as returning patients).
 * One booking per newcomer, so every one is a first time.
 */
async function firstTimePatients(ctx: RunContext): Promise<LoadRow> {
	const days = largestSpread(ctx);
	const newcomers = await mintPatients(ctx.target.authSecret, ctx.config.patients, "bench-newcomer");
	let next = 0;
	const load = { ...ctx, nextPatient: () => newcomers[next++ % newcomers.length] as Patient };
	const closed = await closedBooking(
		load,
		ctx.target,
		days,
		ctx.config.connections,
		ctx.config.stepS,
		newcomers.length,
	);
	const label = `${days.length} doctor-days, first-time patients`;
	const row = closedRow({ target: ctx.target.name, scenario: "spread", label }, closed);
	row.verification = await verify(ctx.target.baseUrl, ctx.target.adminToken, ctx.ledger, days);
	ctx.log(`spread ${label}: closed ${closed.throughput.toFixed(1)}/s`);
	return row;
}

/**
 * Closed-loop bookings over the largest doctor-day set as the number of clients doubles. Each step lasts
 * BENCH_SCALING_STEP_S, or longer when the clients could not otherwise be answered about three times each.
 */
export async function scaling(ctx: RunContext): Promise<LoadRow[]> {
	const days = largestSpread(ctx);
	await warm(ctx.target.baseUrl, days);
	const rows: LoadRow[] = [];
	let throughput = ctx.rate * 2;
	for (const connections of ctx.config.scaling) {
		// Long enough for each client to be answered a few times (Little's law), at most 20 s.
		const durationS = Math.min(
			20,
			Math.max(ctx.config.scalingStepS, Math.ceil((3 * connections) / throughput)),
		);
		const result = await closedBooking(ctx, ctx.target, days, connections, durationS);
		throughput = Math.max(1, result.throughput);
		rows.push(closedRow({ target: ctx.target.name, scenario: "scaling", label: `${connections}` }, result));
		ctx.log(`scaling ${connections}: ${result.throughput.toFixed(1)}/s p99 ${result.p99} ms`);
	}
	(rows.at(-1) as LoadRow).verification = await verify(
		ctx.target.baseUrl,
		ctx.target.adminToken,
		ctx.ledger,
		days,
	);
	return rows;
}

export { closedBooking, largestSpread, randomBooking };
