// A CPU profile of the Worker's isolate (the Worker, DoctorDay and DoctorFeed share it in workerd) through
// workerd's Chrome DevTools inspector, summarised by bundle module and by function.
import { readFileSync } from "node:fs";
import WebSocket from "ws";

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}

export interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileSession {
	stop(): Promise<CpuProfile>;
}

/** Connects to the inspector at `inspectorUrl` (http://host:port) and starts sampling every `intervalUs`. */
export async function startProfile(inspectorUrl: string, intervalUs = 200): Promise<ProfileSession> {
	const list = (await (await fetch(`${inspectorUrl}/json/list`)).json()) as Array<{
		id: string;
		title?: string;
		webSocketDebuggerUrl?: string;
	}>;
	const target = list.find((t) => t.id?.includes("user")) ?? list[0];
	if (target === undefined) throw new Error("the inspector lists no targets");
	const wsUrl =
		target.webSocketDebuggerUrl ?? `${inspectorUrl.replace(/^http/, "ws")}/${encodeURIComponent(target.id)}`;
	const ws = new WebSocket(wsUrl);
	await new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("error", reject);
	});
	let nextId = 1;
	const waiting = new Map<number, (result: unknown) => void>();
	ws.on("message", (data) => {
		const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
		if (message.id !== undefined)
			waiting.get(message.id)?.(message.error ? { error: message.error } : message.result);
	});
	const send = (method: string, params: Record<string, unknown> = {}) =>
		new Promise<unknown>((resolve) => {
			const id = nextId++;
			waiting.set(id, resolve);
			ws.send(JSON.stringify({ id, method, params }));
		});
	await send("Profiler.enable");
	await send("Profiler.setSamplingInterval", { interval: intervalUs });
	await send("Profiler.start");
	return {
		async stop() {
			const result = (await send("Profiler.stop")) as { profile?: CpuProfile; error?: unknown };
			ws.close();
			if (!result.profile) throw new Error(`Profiler.stop failed: ${JSON.stringify(result)}`);
			return result.profile;
		},
	};
}

export interface ProfileRow {
	name: string;
	selfMs: number;
	share: number;
}

/** Longest time one sample may stand for (µs); see summarizeProfile. */
const MAX_SAMPLE_US = 5_000;

export interface ProfileSummary {
	/** Sampled time, idle included, gaps excluded. */
	totalMs: number;
	idleMs: number;
	/** Time the sampler missed (gaps longer than 5 ms between samples), left out of everything else. */
	gapMs: number;
	/** Self time by bundle module (src/… or node_modules/<package>), plus runtime pseudo-frames. */
	byModule: ProfileRow[];
	/** Self time by function, labelled with its module. */
	byFunction: ProfileRow[];
	/** Self + callee time ("total") of selected src/ functions. */
	inclusive: ProfileRow[];
	/** Self time by the place `placeOf` gives each sample's stack (modules, innermost first). */
	byPlace: ProfileRow[];
}

/** Line → module from esbuild's `// path` comments in the bundle. */
function moduleIndex(bundle: string): (line: number) => string {
	const starts: Array<{ line: number; name: string }> = [];
	bundle.split("\n").forEach((text, i) => {
		const match = /^\/\/ (?:\.\.\/)*((?:src|node_modules)\/\S+)$/.exec(text);
		if (match) starts.push({ line: i, name: match[1] as string });
	});
	return (line: number) => {
		let lo = 0;
		let hi = starts.length - 1;
		let found = "(bundle prelude)";
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			const start = starts[mid] as { line: number; name: string };
			if (start.line <= line) {
				found = start.name;
				lo = mid + 1;
			} else hi = mid - 1;
		}
		return found;
	};
}

/** Groups node_modules/<pkg>/… (and @scope/pkg) into the package; keeps src/ paths whole. */
function groupModule(name: string): string {
	const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name);
	return match ? `node_modules/${match[1]}` : name;
}

export function summarizeProfile(
	profile: CpuProfile,
	bundlePath: string,
	inclusiveOf: string[] = [],
	placeOf: (stack: readonly string[]) => string = () => "everywhere",
): ProfileSummary {
	const bundle = readFileSync(bundlePath, "utf8");
	const moduleOf = moduleIndex(bundle);
	const bundleName = bundlePath.split("/").at(-1) ?? "index.js";
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	// A sample's time is the gap to the next one. When the machine is overloaded the sampler itself may not
	// run for a long time, and one sample would take all of that gap; such gaps are counted apart.
	const selfUs = new Map<number, number>();
	let gapUs = 0;
	for (let i = 0; i < profile.samples.length; i++) {
		const id = profile.samples[i] as number;
		const delta = profile.timeDeltas[i + 1] ?? 0;
		const counted = Math.min(delta, MAX_SAMPLE_US);
		gapUs += delta - counted;
		selfUs.set(id, (selfUs.get(id) ?? 0) + counted);
	}
	const label = (node: ProfileNode) => {
		const { url, functionName, lineNumber } = node.callFrame;
		if (url.endsWith(bundleName))
			return { module: groupModule(moduleOf(lineNumber)), fn: functionName || "(anonymous)" };
		if (url === "") return { module: functionName || "(native)", fn: functionName || "(native)" };
		return { module: `(runtime) ${url.split("/").at(-1)}`, fn: functionName || "(anonymous)" };
	};
	const modules = new Map<string, number>();
	const functions = new Map<string, number>();
	let totalUs = 0;
	let idleUs = 0;
	for (const [id, us] of selfUs) {
		const node = byId.get(id);
		if (!node) continue;
		totalUs += us;
		if (node.callFrame.functionName === "(idle)") {
			idleUs += us;
			continue;
		}
		const { module, fn } = label(node);
		modules.set(module, (modules.get(module) ?? 0) + us);
		const key = `${fn} (${module}:${node.callFrame.lineNumber + 1})`;
		functions.set(key, (functions.get(key) ?? 0) + us);
	}
	// Inclusive time of named functions: a sample counts once if any ancestor frame is that function.
	const inclusive = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const seen = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const node = byId.get(at);
			if (!node) break;
			const { module, fn } = label(node);
			for (const wanted of inclusiveOf) {
				if (`${module}#${fn}`.endsWith(wanted) && !seen.has(wanted)) {
					seen.add(wanted);
					inclusive.set(wanted, (inclusive.get(wanted) ?? 0) + us);
				}
			}
		}
	}
	const places = new Map<string, number>();
	for (const [id, us] of selfUs) {
		const stack: string[] = [];
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const node = byId.get(at);
			if (!node) break;
			stack.push(label(node).module);
		}
		if (byId.get(id)?.callFrame.functionName === "(idle)") continue;
		const place = placeOf(stack);
		places.set(place, (places.get(place) ?? 0) + us);
	}
	const busyUs = Math.max(1, totalUs - idleUs);
	const rows = (map: Map<string, number>) =>
		[...map]
			.map(([name, us]) => ({ name, selfMs: us / 1000, share: us / busyUs }))
			.sort((a, b) => b.selfMs - a.selfMs);
	return {
		totalMs: totalUs / 1000,
		idleMs: idleUs / 1000,
		gapMs: gapUs / 1000,
		byModule: rows(modules),
		byFunction: rows(functions),
		inclusive: rows(inclusive),
		byPlace: rows(places),
	};
}
