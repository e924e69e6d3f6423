// Benchmark sizes, all overridable through the environment (see bench/README.md).
import type { TargetName } from "./targets";

const env = process.env;
export const QUICK = env.BENCH_QUICK === "1";

function num(name: string, full: number, quick: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return QUICK ? quick : full;
	const value = Number(raw);
	if (!Number.isFinite(value) || value <= 0)
		throw new Error(`${name} must be a positive number, got "${raw}"`);
	return value;
}

function list<T extends string | number>(name: string, full: T[], quick: T[], parse: (s: string) => T): T[] {
	const raw = env[name];
	if (raw === undefined || raw === "") return QUICK ? quick : full;
	return raw
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean)
		.map(parse);
}

export const SCENARIOS = [
	"hops",
	"paths",
	"contended",
	"spread",
	"scaling",
	"fanout",
	"holds",
	"offers",
	"notifications",
	"webhooks",
	"email",
	"profile",
	"reads",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

function scenario(s: string): Scenario {
	if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}"`);
	return s as Scenario;
}

function target(s: string): TargetName {
	if (s !== "dev" && s !== "runtime") throw new Error(`unknown target "${s}" (dev, runtime)`);
	return s;
}

export const config = {
	quick: QUICK,
	targets: list<TargetName>("BENCH_TARGETS", ["dev", "runtime"], ["dev", "runtime"], target),
	scenarios: list<Scenario>("BENCH_SCENARIOS", [...SCENARIOS], [...SCENARIOS], scenario),
	/** Seconds of each measured load step. */
	stepS: num("BENCH_STEP_S", 8, 3),
	/** Seconds of each step of the scaling curve. */
	scalingStepS: num("BENCH_SCALING_STEP_S", 4, 2),
	/** Connections of the closed-loop (throughput) rows. */
	connections: num("BENCH_CONNECTIONS", 32, 16),
	/** Open-loop rate: BENCH_RATE req/s, or this fraction of the calibrated closed-loop booking throughput. */
	rate: env.BENCH_RATE ? num("BENCH_RATE", 1, 1) : null,
	loadFraction: num("BENCH_LOAD_FRACTION", 0.5, 0.5),
	/**
	 * Clients of the load that calibrates the open-loop rate. An open load at half the service's capacity has
	 * about one request in flight, so each booking's deliveries go alone; 32 clients let a busy object batch
	 * them, each booking costs less, and half of that throughput overloaded the open rows.
	 */
	calibrationConnections: num("BENCH_CALIBRATION_CONNECTIONS", 4, 4),
	/** Doctor-day counts of the spread scenario (1 is the single-day baseline). */
	spread: list("BENCH_SPREAD", [1, 100, 1000], [1, 20], Number),
	/** Watchers per fan-out measurement, and bookings (trials) per size. */
	// A day object takes at most 2,000 sockets (src/doctor-day/watchers.ts).
	fanout: list("BENCH_FANOUT", [100, 1000, 2000], [100, 500], Number),
	fanoutTrials: num("BENCH_FANOUT_TRIALS", 5, 3),
	/** Concurrency steps of the scaling curve. */
	scaling: list("BENCH_SCALING", [1, 2, 4, 8, 16, 32, 64, 128, 256], [1, 4, 16, 64], Number),
	/** Cold reads: distinct never-touched-since-restart doctor-days, and 31-day windows. */
	coldDays: num("BENCH_COLD_DAYS", 100, 20),
	coldRanges: num("BENCH_COLD_RANGES", 10, 4),
	/** Open-loop rates of the cold reads (req/s): slow, so each first touch is measured alone. */
	coldDayRate: num("BENCH_COLD_DAY_RATE", 10, 10),
	coldRangeRate: num("BENCH_COLD_RANGE_RATE", 1, 2),
	profileS: num("BENCH_PROFILE_S", 8, 3),
	/** holds: holds placed on one doctor-day to expire together (hold_seconds at its minimum, 10). */
	holdExpiries: num("BENCH_HOLD_EXPIRIES", 2000, 300),
	/** Trials (one at a time) of the waitlist offer and of the doctor's booking notification. */
	offerTrials: num("BENCH_OFFER_TRIALS", 50, 10),
	notifyTrials: num("BENCH_NOTIFY_TRIALS", 50, 10),
	/** webhooks: bookings whose appointment.booked event must reach the receiver; the longest wait for them. */
	webhookBookings: num("BENCH_WEBHOOK_BOOKINGS", 300, 60),
	webhookWaitS: num("BENCH_WEBHOOK_WAIT_S", 120, 60),
	/** hops: warm samples per request type; bookings whose projection lag is measured. */
	hopsRepeats: num("BENCH_HOPS_REPEATS", 5, 3),
	lagBookings: num("BENCH_LAG_BOOKINGS", 300, 100),
	/** Before each load, wait up to this long for other processes to use < 0.3 cores (0: never wait). */
	quietWaitS: env.BENCH_QUIET_WAIT_S === "0" ? 0 : num("BENCH_QUIET_WAIT_S", 10, 5),
	/**
	 * Patient tokens minted (each request books as the next one). The local runtime refuses with
	 * SQLITE_NOMEM at about 2,600 SQLite objects awake at once; 1,000 patients and 1,000 doctor-days stay under it.
	 */
	patients: num("BENCH_PATIENTS", 1_000, 500),
	seed: num("BENCH_SEED", 1, 1),
	/** Run on a frozen copy of the tree (default) or, with BENCH_FROZEN=0, on the live one. */
	frozen: env.BENCH_FROZEN !== "0",
	/** Another tree to measure instead of this one (e.g. a scratch copy with a change applied). */
	source: env.BENCH_SOURCE || null,
	/** Where report.md, report.json and report.svg go (default bench/). */
	output: env.BENCH_OUTPUT || null,
};

export type Config = typeof config;
