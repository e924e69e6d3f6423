// A closed-loop load with autocannon: `connections` clients, each sending its next request as soon as the
// previous one is answered. It measures how much the server can do at that concurrency (throughput); its
// latencies are what those clients saw, which under overload hide the queue (coordinated omission), so
// the report takes latency figures from the open-loop generator and only throughput from here.
import autocannon from "autocannon";
import { type CpuUse, cpuBetween, cpuSnapshot, quietGate, serviceIdle } from "./cpu";
import type { BenchRequest } from "./open-loop";

export interface ClosedLoopOptions {
	connections: number;
	durationS: number;
	/** Stop after this many requests instead of after durationS. */
	amount?: number;
	request: (i: number) => BenchRequest;
	/** Called with every request as it is built (just before it is sent), and every response. */
	onRequest?: (request: BenchRequest) => void;
	/** `latencyMs`: from the request being built to its response, as that client saw it. */
	onResponse?: (status: number, body: string, request: BenchRequest, latencyMs: number) => void;
	timeoutS?: number;
}

export interface ClosedLoopResult {
	connections: number;
	durationS: number;
	total: number;
	/** Responses per second over the run. */
	throughput: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	statuses: Record<string, number>;
	errors: number;
	/** The errors by code or message (ECONNRESET, request timed out, …). */
	errorKinds: Record<string, number>;
	timeouts: number;
	cpu: CpuUse;
}

export async function closedLoop(baseUrl: string, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
	let i = 0;
	const requests: autocannon.Request[] = [
		{
			setupRequest: (req, context) => {
				const spec = options.request(i++);
				Object.assign(context, { spec, builtAt: performance.now() });
				options.onRequest?.(spec);
				const headers: Record<string, string> = { ...spec.headers };
				if (spec.body !== undefined) headers["content-type"] ??= "application/json";
				return {
					...req,
					method: spec.method as autocannon.Request["method"],
					path: spec.path,
					headers,
					body: spec.body,
				};
			},
			onResponse: (status, body, context) => {
				// autocannon builds a connection's next request (setupRequest) right after this, then sends it.
				const { spec, builtAt } = context as { spec?: BenchRequest; builtAt?: number };
				if (options.onResponse && spec && builtAt !== undefined)
					options.onResponse(status, body, spec, performance.now() - builtAt);
			},
		},
	];
	await quietGate();
	const cpuBefore = cpuSnapshot();
	const started = Date.now();
	const errorKinds: Record<string, number> = {};
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		const instance = autocannon(
			{
				url: baseUrl,
				connections: options.connections,
				duration: options.durationS,
				...(options.amount === undefined ? {} : { amount: options.amount }),
				timeout: options.timeoutS ?? 30,
				requests,
			},
			(error, done) => (error ? reject(error) : resolve(done)),
		);
		instance.on("reqError", (error: Error & { code?: string }) => {
			const kind = error.code ?? error.message;
			errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
		});
	});
	const seconds = Math.max(1e-3, (Date.now() - started) / 1000);
	const cpu = cpuBetween(cpuBefore, cpuSnapshot(), await serviceIdle());
	const statuses: Record<string, number> = {};
	for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
		statuses[code] = (stat as { count: number }).count;
	}
	const total = Object.values(statuses).reduce((a, b) => a + b, 0);
	return {
		connections: options.connections,
		durationS: options.durationS,
		total,
		throughput: total / seconds,
		p50: result.latency.p50,
		p90: result.latency.p90,
		p99: result.latency.p99,
		max: result.latency.max,
		statuses,
		errors: result.errors,
		errorKinds,
		timeouts: result.timeouts,
		cpu,
	};
}
