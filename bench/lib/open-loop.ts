// An open-loop load generator: requests leave at fixed intervals whatever the server does, and each
// latency is measured from the request's *intended* send time. A slow response therefore delays nobody
// else's send and is not hidden (no coordinated omission), and if the client or a connection pool falls
// behind, the wait counts against the latency as a user would feel it.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { type CpuUse, cpuBetween, cpuSnapshot, quietGate, serviceIdle } from "./cpu";

export interface BenchRequest {
	method: string;
	path: string;
	headers?: Record<string, string>;
	body?: string;
	/** Free-form label kept with the sample (e.g. which doctor-day). */
	tag?: string;
}

export interface Sample {
	status: number; // 0 for a network error or timeout
	/** Response complete − intended send time (ms): the open-loop latency. */
	latencyMs: number;
	/** Response complete − actual send time (ms). */
	serviceMs: number;
	tag?: string;
	body?: string;
	/** status 0: what the request failed with. */
	error?: string;
}

export interface OpenLoopOptions {
	/** Requests per second. */
	rate: number;
	durationS: number;
	request: (i: number) => BenchRequest;
	/** Keep the response body of samples with this status (e.g. 201, to read ids back). */
	keepBody?: (status: number) => boolean;
	/** Connections in the pool; a request waits for a free one (and that wait counts). Default 512. */
	sockets?: number;
	/** Stop sending when this many are outstanding: the server cannot keep up. Default 3000. */
	maxInFlight?: number;
	timeoutMs?: number;
}

export interface OpenLoopResult {
	rate: number;
	durationS: number;
	scheduled: number;
	sent: number;
	samples: Sample[];
	/** Sent requests per second over the sending window. */
	offeredRate: number;
	/** Completed responses per second, from the first send to the last response. */
	completedRate: number;
	/** Largest delay between a request's intended and actual send: the generator's own health. */
	maxSendLagMs: number;
	/** True when sending stopped early because maxInFlight requests were outstanding. */
	overloaded: boolean;
	cpu: CpuUse;
}

export interface Answer {
	/** 0 for a network error or timeout. */
	status: number;
	/** Kept when `keepBody` says so (every body when it is absent). */
	body?: string;
	/** status 0: the error's code or message (ECONNRESET, timeout, …). */
	error?: string;
}

/** A request that got no answer: status 0 with what it failed with. */
function failure(error: Error & { code?: string }): Answer {
	return { status: 0, error: error.code ?? error.message };
}

/** One request on `agent`'s pool; never throws (a network error or timeout is status 0). */
export function send(
	url: URL,
	agent: http.Agent,
	spec: BenchRequest,
	timeoutMs: number,
	keepBody: (status: number) => boolean = () => true,
): Promise<Answer> {
	return new Promise((resolve) => {
		const headers: Record<string, string | number> = { ...spec.headers };
		if (spec.body !== undefined) {
			headers["content-type"] ??= "application/json";
			headers["content-length"] = Buffer.byteLength(spec.body);
		}
		let settled = false;
		const finish = (answer: Answer) => {
			if (settled) return;
			settled = true;
			resolve(answer);
		};
		const req = http.request(
			{ host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers, agent },
			(res) => {
				const status = res.statusCode ?? 0;
				const keep = keepBody(status);
				const chunks: Buffer[] = [];
				res.on("data", (chunk: Buffer) => {
					if (keep) chunks.push(chunk);
				});
				res.on("end", () =>
					finish(keep ? { status, body: Buffer.concat(chunks).toString("utf8") } : { status }),
				);
				res.on("error", (error) => finish(failure(error)));
			},
		);
		req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
		req.on("error", (error) => finish(failure(error)));
		req.end(spec.body);
	});
}

/**
 * Starts `fire(i, intended)` for i = 0 … total−1 at `t0 + i × interval`, whatever earlier ones are doing;
 * stops early (`stopped`) when `full()` says too many are outstanding. Resolves once every one was started.
 */
async function schedule(
	total: number,
	interval: number,
	t0: number,
	fire: (i: number, intended: number) => Promise<void>,
	full: () => boolean,
): Promise<{ pending: Promise<void>[]; stopped: boolean }> {
	const pending: Promise<void>[] = [];
	let stopped = false;
	await new Promise<void>((resolve) => {
		let next = 0;
		const tick = () => {
			const now = performance.now();
			while (next < total && t0 + next * interval <= now) {
				if (full()) {
					stopped = true;
					next = total;
					break;
				}
				pending.push(fire(next, t0 + next * interval));
				next++;
			}
			if (next >= total) resolve();
			else setTimeout(tick, Math.max(0, Math.min(interval, t0 + next * interval - performance.now()) - 0.5));
		};
		setTimeout(tick, 20);
	});
	return { pending, stopped };
}

export async function openLoop(baseUrl: string, options: OpenLoopOptions): Promise<OpenLoopResult> {
	const url = new URL(baseUrl);
	const agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets ?? 512 });
	const interval = 1000 / options.rate;
	const total = Math.max(1, Math.round(options.rate * options.durationS));
	const maxInFlight = options.maxInFlight ?? 3000;
	const timeoutMs = options.timeoutMs ?? 60_000;
	const samples: Sample[] = [];
	let inFlight = 0;
	let sent = 0;
	let maxSendLagMs = 0;
	let overloaded = false;
	let lastDone = 0;
	await quietGate();
	const cpuBefore = cpuSnapshot();
	const t0 = performance.now() + 20;

	const fire = async (i: number, intended: number): Promise<void> => {
		const spec = options.request(i);
		const sentAt = performance.now();
		maxSendLagMs = Math.max(maxSendLagMs, sentAt - intended);
		inFlight++;
		sent++;
		const answer = await send(url, agent, spec, timeoutMs, options.keepBody ?? (() => false));
		const done = performance.now();
		lastDone = Math.max(lastDone, done);
		inFlight--;
		const sample: Sample = { status: answer.status, latencyMs: done - intended, serviceMs: done - sentAt };
		if (spec.tag !== undefined) sample.tag = spec.tag;
		if (answer.body !== undefined) sample.body = answer.body;
		if (answer.error !== undefined) sample.error = answer.error;
		samples.push(sample);
	};

	const { pending, stopped } = await schedule(total, interval, t0, fire, () => inFlight >= maxInFlight);
	overloaded = stopped;
	const sendingEnded = performance.now();
	await Promise.all(pending);
	const cpu = cpuBetween(cpuBefore, cpuSnapshot(), await serviceIdle());
	agent.destroy();
	const sendWindow = Math.max(1e-3, (sendingEnded - t0) / 1000);
	return {
		rate: options.rate,
		durationS: options.durationS,
		scheduled: total,
		sent,
		samples,
		offeredRate: sent / sendWindow,
		completedRate: samples.length / Math.max(1e-3, (lastDone - t0) / 1000),
		maxSendLagMs,
		overloaded,
		cpu,
	};
}

/** One request of a flow: sent on the flow generator's pool, answered with its status and body. */
export type FlowSend = (spec: BenchRequest) => Promise<Answer>;

export interface OpenFlowsResult {
	rate: number;
	durationS: number;
	/** Flows started. */
	started: number;
	/** Per flow: its last answer − its intended start (ms), the open-loop latency of the whole flow. */
	latencyMs: number[];
	maxSendLagMs: number;
	overloaded: boolean;
	cpu: CpuUse;
}

/**
 * Open-loop flows: like `openLoop`, but each arrival runs `flow` (several requests one after another, e.g. a
 * hold and its confirmation), started at its intended time whatever earlier flows are doing. `flow` gets
 * its intended start (performance.now() time) to measure its own steps from.
 */
export async function openFlows(
	baseUrl: string,
	options: {
		rate: number;
		durationS: number;
		flow: (i: number, send: FlowSend, intended: number) => Promise<void>;
		sockets?: number;
		maxInFlight?: number;
		timeoutMs?: number;
	},
): Promise<OpenFlowsResult> {
	const url = new URL(baseUrl);
	const agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets ?? 512 });
	const timeoutMs = options.timeoutMs ?? 60_000;
	const maxInFlight = options.maxInFlight ?? 3000;
	const sendOne: FlowSend = (spec) => send(url, agent, spec, timeoutMs);
	const latencyMs: number[] = [];
	let inFlight = 0;
	let maxSendLagMs = 0;
	await quietGate();
	const cpuBefore = cpuSnapshot();
	const t0 = performance.now() + 20;
	const fire = async (i: number, intended: number) => {
		maxSendLagMs = Math.max(maxSendLagMs, performance.now() - intended);
		inFlight++;
		await options.flow(i, sendOne, intended);
		inFlight--;
		latencyMs.push(performance.now() - intended);
	};
	const total = Math.max(1, Math.round(options.rate * options.durationS));
	const { pending, stopped } = await schedule(
		total,
		1000 / options.rate,
		t0,
		fire,
		() => inFlight >= maxInFlight,
	);
	await Promise.all(pending);
	const cpu = cpuBetween(cpuBefore, cpuSnapshot(), await serviceIdle());
	agent.destroy();
	return {
		rate: options.rate,
		durationS: options.durationS,
		started: pending.length,
		latencyMs,
		maxSendLagMs,
		overloaded: stopped,
		cpu,
	};
}
