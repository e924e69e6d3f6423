// How busy the machine was during a measurement, and how much of that was this benchmark (this process and
// every process it started: wrangler, workerd, esbuild) versus anything else running on the machine.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Snapshot {
	at: number;
	busy: number; // machine-wide busy ticks
	ours: Map<number, number>; // pid → utime + stime ticks, for this process and its descendants
	service: Map<number, number>; // the same for the service's processes (a subset of ours)
	names: Map<number, string>; // pid → process name (workerd, node, …)
}

let serviceRoot: () => number | undefined = () => undefined;

/** Names the process whose descendants (and itself) are the service, e.g. wrangler's pid. */
export function setServiceRoot(root: () => number | undefined): void {
	serviceRoot = root;
}

function machineBusy(): number {
	try {
		const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]?.split(/\s+/).slice(1).map(Number) ?? [];
		// user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
		return cpu.reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + (v || 0)), 0);
	} catch {
		return 0;
	}
}

function ourProcesses(): {
	ours: Map<number, number>;
	service: Map<number, number>;
	names: Map<number, string>;
} {
	const parent = new Map<number, number>();
	const ticks = new Map<number, number>();
	const comms = new Map<number, string>();
	let names: string[] = [];
	try {
		names = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
	} catch {
		return { ours: new Map(), service: new Map(), names: new Map() };
	}
	for (const name of names) {
		try {
			const stat = readFileSync(`/proc/${name}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			// fields[1] is ppid; utime and stime are fields 14 and 15 of stat, i.e. [11] and [12] here.
			parent.set(Number(name), Number(fields[1]));
			comms.set(Number(name), stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")));
			ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
		} catch {
			// exited meanwhile
		}
	}
	const ours = new Map<number, number>();
	const service = new Map<number, number>();
	const root = serviceRoot();
	const descends = (pid: number, from: number | undefined): boolean => {
		for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
			if (at === from) return true;
			at = parent.get(at) ?? 0;
		}
		return false;
	};
	for (const [pid, t] of ticks) {
		if (descends(pid, process.pid)) ours.set(pid, t);
		if (root !== undefined && descends(pid, root)) service.set(pid, t);
	}
	return { ours, service, names: comms };
}

export function cpuSnapshot(): Snapshot {
	return { at: performance.now(), busy: machineBusy(), ...ourProcesses() };
}

export interface CpuUse {
	/** Cores' worth of CPU the benchmark and the service used on average. */
	ours: number;
	/** Cores' worth used by everything else on the machine. */
	others: number;
	/** Cores' worth used by the service's processes alone (part of `ours`). */
	service: number;
	/**
	 * CPU milliseconds the service's processes spent from the load's start until they were idle after it: the
	 * load's own work, including what it left for after its answers (event deliveries), and nobody else's.
	 */
	serviceMs: number;
	/** `serviceMs` by process name (workerd, node: Miniflare's or wrangler's own process, …). */
	serviceMsByProcess: Record<string, number>;
	/** Seconds between the snapshots. */
	seconds: number;
}

/**
 * Average CPU use between two snapshots, in cores. Processes that exit in between are not counted.
 * `serviceIdle` (taken later, once the service went idle) extends `serviceMs` past `after`.
 */
export function cpuBetween(before: Snapshot, after: Snapshot, serviceIdle: Snapshot = after): CpuUse {
	const seconds = Math.max(1e-3, (after.at - before.at) / 1000);
	const sum = (a: Map<number, number>, b: Map<number, number>) => {
		let total = 0;
		for (const [pid, t] of b) total += t - (a.get(pid) ?? 0);
		return total;
	};
	const ours = sum(before.ours, after.ours);
	const serviceMsByProcess: Record<string, number> = {};
	for (const [pid, t] of serviceIdle.service) {
		const name = serviceIdle.names.get(pid) ?? "?";
		const ms = ((t - (before.service.get(pid) ?? 0)) / TICKS_PER_SECOND) * 1000;
		serviceMsByProcess[name] = (serviceMsByProcess[name] ?? 0) + ms;
	}
	const busy = after.busy - before.busy;
	return {
		ours: ours / TICKS_PER_SECOND / seconds,
		others: Math.max(0, busy - ours) / TICKS_PER_SECOND / seconds,
		service: sum(before.service, after.service) / TICKS_PER_SECOND / seconds,
		serviceMs: Object.values(serviceMsByProcess).reduce((total, ms) => total + ms, 0),
		serviceMsByProcess,
		seconds,
	};
}

/** Below this the service is idle: timers and keep-alives, no request's work left. */
const SERVICE_IDLE_CORES = 0.05;

/**
 * Waits (at most `maxWaitS`) until the service's processes use less than SERVICE_IDLE_CORES over a quarter
 * second, and answers the snapshot taken then: what a load left for after its answers is done.
 */
export async function serviceIdle(maxWaitS = 30): Promise<Snapshot> {
	const started = performance.now();
	for (let before = cpuSnapshot(); ; ) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		const after = cpuSnapshot();
		const { service } = cpuBetween(before, after);
		if (service < SERVICE_IDLE_CORES || (after.at - started) / 1000 >= maxWaitS) return after;
		before = after;
	}
}

/**
 * Waits (at most `maxWaitS`) until other processes use less than `threshold` cores over a half-second
 * window and the service itself is idle, so a measurement starts neither in the middle of someone else's
 * build or test run nor while the service still works for the previous step. Answers the seconds waited and
 * the last "others" reading.
 */
export async function waitForQuiet(
	maxWaitS: number,
	threshold = 0.3,
	windowMs = 500,
): Promise<{ waitedS: number; others: number }> {
	const started = performance.now();
	let others = 0;
	for (;;) {
		const before = cpuSnapshot();
		await new Promise((resolve) => setTimeout(resolve, windowMs));
		const use = cpuBetween(before, cpuSnapshot());
		others = use.others;
		const waitedS = (performance.now() - started) / 1000;
		if ((others < threshold && use.service < SERVICE_IDLE_CORES) || waitedS >= maxWaitS)
			return { waitedS, others };
	}
}

let gateWaitS = 0;
let onWait: ((waitedS: number, others: number) => void) | null = null;

/** Makes every load generator wait for quiet (at most `maxWaitS`) before it starts; 0 turns it off. */
export function setQuietGate(maxWaitS: number, report: (waitedS: number, others: number) => void): void {
	gateWaitS = maxWaitS;
	onWait = report;
}

let gaveUpAt = Number.NEGATIVE_INFINITY;
const PERSISTENT_NOISE_PAUSE_MS = 120_000;

/**
 * Called by the load generators before they start. After a wait that ended with others still busy (a
 * long-running job elsewhere), the gate stays open for two minutes rather than spend every load waiting.
 */
export async function quietGate(): Promise<void> {
	if (gateWaitS <= 0 || performance.now() - gaveUpAt < PERSISTENT_NOISE_PAUSE_MS) return;
	const { waitedS, others } = await waitForQuiet(gateWaitS);
	if (others >= 0.3) gaveUpAt = performance.now();
	if (waitedS > 0.6) onWait?.(waitedS, others);
}
