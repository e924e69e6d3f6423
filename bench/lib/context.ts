// What every scenario gets: the target, the sizes, patient tokens, the booking ledger and the fixtures,
// and the row shapes the report is made of.

import type { Ledger, SlowestBookings, Verification } from "./booking";
import type { ClosedLoopResult } from "./closed-loop";
import type { Config } from "./config";
import type { CpuUse } from "./cpu";
import type { BenchDoctor, DoctorDay, Patient } from "./fixtures";
import type { OpenLoopResult } from "./open-loop";
import { countBy, summarize } from "./stats";
import type { Target } from "./targets";

export interface Fixtures {
	contended: Array<{ capacity: number; doctor: BenchDoctor }>;
	/** Doctor-days per spread size (the 1-day baseline has a large capacity, so nothing is refused). */
	spread: Map<number, DoctorDay[]>;
	/** Distinct doctor-days for cold single-day reads. */
	coldDays: DoctorDay[];
	/** Distinct 31-day windows for cold range reads. */
	coldRanges: Array<{ doctorId: string; from: string; to: string }>;
	fanout: BenchDoctor;
	/** Days no measured load uses: the warm-up books them (capacity 1000, so nothing is refused). */
	warmUp: DoctorDay[];
}

export interface RunContext {
	target: Target;
	config: Config;
	ledger: Ledger;
	fixtures: Fixtures;
	/** The open-loop rate of booking loads (req/s), set by calibration. */
	rate: number;
	rng: () => number;
	nextPatient(): Patient;
	log(message: string): void;
}

/** One measured load: open-loop (latency from intended send times) or closed-loop (throughput). */
export interface LoadRow {
	target: string;
	scenario: string;
	label: string;
	mode: "open" | "closed";
	/** open: the fixed rate asked for (req/s); closed: null. */
	rate: number | null;
	/** closed: connections; open: null. */
	connections: number | null;
	n: number;
	/** Responses per second. */
	throughput: number;
	statuses: Record<string, number>;
	/** The requests with no answer ("0" in statuses) by error code or message. */
	errorKinds?: Record<string, number>;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	/** open only: latency of the successful answers alone (201 for bookings, 200 for reads). */
	okP50: number | null;
	okP99: number | null;
	/** open only: the generator had to stop because too many requests were outstanding. */
	overloaded: boolean;
	/** open only: the generator's worst delay in sending (its own health; should be a few ms). */
	maxSendLagMs: number | null;
	/** CPU used during the load, in cores: by the bench and the service, and by other processes. */
	cpu: CpuUse;
	/**
	 * closed only: ms from the load's end until its last 201 was listed by `GET /api/appointments` (D1's
	 * projection, written after the answer); null when nothing was booked or it was not listed in a minute.
	 */
	listedAfterMs?: number | null;
	/** closed only: the slowest 1% of its 201s and their time outside the booking handler (null: no log). */
	slowest?: SlowestBookings | null;
	verification?: Verification;
}

/** CPU the service's processes spent per answer (ms): robust to other processes' noise, unlike throughput. */
export function serviceCpuPerAnswer(cpu: CpuUse, answers: number): number {
	return answers > 0 ? cpu.serviceMs / answers : Number.NaN;
}

export function openRow(
	base: Pick<LoadRow, "target" | "scenario" | "label">,
	result: OpenLoopResult,
	okStatus: number,
): LoadRow {
	const all = summarize(result.samples.map((s) => s.latencyMs));
	const ok = summarize(result.samples.filter((s) => s.status === okStatus).map((s) => s.latencyMs));
	return {
		...base,
		mode: "open",
		rate: result.rate,
		connections: null,
		n: all.n,
		throughput: result.completedRate,
		statuses: countBy(result.samples, (s) => s.status),
		errorKinds: countBy(
			result.samples.filter((s) => s.error !== undefined),
			(s) => s.error as string,
		),
		p50: all.p50,
		p90: all.p90,
		p99: all.p99,
		max: all.max,
		okP50: ok.n > 0 ? ok.p50 : null,
		okP99: ok.n > 0 ? ok.p99 : null,
		overloaded: result.overloaded,
		maxSendLagMs: result.maxSendLagMs,
		cpu: result.cpu,
	};
}

export function closedRow(
	base: Pick<LoadRow, "target" | "scenario" | "label">,
	result: ClosedLoopResult & { listedAfterMs?: number | null; slowest?: SlowestBookings | null },
): LoadRow {
	const statuses = { ...result.statuses };
	if (result.errors > 0) statuses["0"] = result.errors;
	return {
		...base,
		mode: "closed",
		rate: null,
		connections: result.connections,
		n: result.total,
		throughput: result.throughput,
		statuses,
		errorKinds: result.errorKinds,
		p50: result.p50,
		p90: result.p90,
		p99: result.p99,
		max: result.max,
		okP50: null,
		okP99: null,
		overloaded: false,
		maxSendLagMs: null,
		cpu: result.cpu,
		...(result.listedAfterMs === undefined ? {} : { listedAfterMs: result.listedAfterMs }),
		...(result.slowest === undefined ? {} : { slowest: result.slowest }),
	};
}
