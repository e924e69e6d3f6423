// An open-loop load generator: requests leave at fixed intervals whatever the server does, and each
// latency is measured from the request's *intended* send time. A slow response therefore delays nobody
// else's send and is not hidden (no coordinated omission), and if the client or a connection pool falls
// behind, the wait counts against the latency as a user would feel it.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { type CpuUse, cpuBetween, cpuSnapshot, quietGate } from "./cpu";

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

	const fire = (i: number, intended: number): Promise<void> =>
		new Promise((resolve) => {
			const spec = options.request(i);
			const sentAt = performance.now();
			maxSendLagMs = Math.max(maxSendLagMs, sentAt - intended);
			inFlight++;
			sent++;
			const headers: Record<string, string | number> = { ...spec.headers };
			if (spec.body !== undefined) {
				headers["content-type"] ??= "application/json";
				headers["content-length"] = Buffer.byteLength(spec.body);
			}
			const finish = (status: number, body?: string) => {
				const done = performance.now();
				lastDone = Math.max(lastDone, done);
				inFlight--;
				const sample: Sample = { status, latencyMs: done - intended, serviceMs: done - sentAt };
				if (spec.tag !== undefined) sample.tag = spec.tag;
				if (body !== undefined) sample.body = body;
				samples.push(sample);
				resolve();
			};
			const req = http.request(
				{
					host: url.hostname,
					port: url.port,
					method: spec.method,
					path: spec.path,
					headers,
					agent,
				},
				(res) => {
					const status = res.statusCode ?? 0;
					const keep = options.keepBody?.(status) ?? false;
					const chunks: Buffer[] = [];
					res.on("data", (chunk: Buffer) => {
						if (keep) chunks.push(chunk);
					});
					res.on("end", () => finish(status, keep ? Buffer.concat(chunks).toString("utf8") : undefined));
					res.on("error", () => finish(0));
				},
			);
			req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
			req.on("error", () => finish(0));
			req.end(spec.body);
		});

	const pending: Promise<void>[] = [];
	await new Promise<void>((resolve) => {
		let next = 0;
		const tick = () => {
			const now = performance.now();
			while (next < total && t0 + next * interval <= now) {
				if (inFlight >= maxInFlight) {
					overloaded = true;
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
	const sendingEnded = performance.now();
	await Promise.all(pending);
	const cpu = cpuBetween(cpuBefore, cpuSnapshot());
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
