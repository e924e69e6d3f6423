// `npx tsx bench/experiments/shared-isolate/run.ts`: the probe on wrangler's Miniflare (the bench's runtime
// target). Prints what the Worker saw and exits 1 unless the Worker and two objects share one isolate.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "..", "package.json"));
const miniflareEntry = createRequire(require.resolve("wrangler")).resolve("miniflare");
const { Miniflare } = (await import(pathToFileURL(miniflareEntry).href)) as {
	Miniflare: new (
		options: Record<string, unknown>,
	) => {
		ready: Promise<URL>;
		dispatchFetch(url: string): Promise<Response>;
		dispose(): Promise<void>;
	};
};

const mf = new Miniflare({
	modules: true,
	scriptPath: path.join(here, "worker.js"),
	compatibilityDate: "2026-04-26",
	durableObjects: { PROBE: { className: "Probe", useSQLite: true } },
});
await mf.ready;
type Seen = { workerIsolate: string; objectIsolate: string; log: string[] };
const seen: Seen[] = [];
for (const name of ["/a", "/b"])
	seen.push((await (await mf.dispatchFetch(`http://probe${name}`)).json()) as Seen);
await mf.dispose();
console.log(JSON.stringify(seen, null, 2));
const last = seen.at(-1);
const shared =
	seen.every((s) => s.workerIsolate === s.objectIsolate) &&
	last?.log.join(",") === "worker,object /a,worker,object /b";
console.log(shared ? "shared: one isolate, one module-level log" : "NOT shared");
process.exit(shared ? 0 : 1);
