// The Worker straight on workerd, through Miniflare's API, without wrangler dev: no proxy worker, no
// inspector session, no dev-tool logging. Started as a child process by bench/lib/runtime-server.ts;
// prints "READY <url>" when it serves, and stops on SIGTERM.
//
// Bindings come from wrangler.toml via wrangler's unstable_getMiniflareWorkerOptions (as vitest-pool-workers
// does), the script is the bundle `wrangler deploy --dry-run --outdir` built, and Miniflare is wrangler's
// own copy, so this is the workerd that `wrangler dev` runs.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface MiniflareLike {
	ready: Promise<URL>;
	getD1Database(binding: string): Promise<{
		prepare(sql: string): { run(): Promise<unknown> };
		batch(statements: unknown[]): Promise<unknown>;
	}>;
	dispose(): Promise<void>;
}

const env = (name: string): string => {
	const value = process.env[name];
	if (value === undefined) throw new Error(`${name} is not set`);
	return value;
};

const root = env("BENCH_RT_ROOT");
const script = env("BENCH_RT_SCRIPT");
const persist = env("BENCH_RT_PERSIST");
const port = Number(env("BENCH_RT_PORT"));
const inspectorPort = process.env.BENCH_RT_INSPECTOR ? Number(process.env.BENCH_RT_INSPECTOR) : undefined;
/** Extra plain-text vars for the Worker, e.g. HOP_TRACE for the hops scenario. */
const vars = JSON.parse(process.env.BENCH_RT_VARS || "{}") as Record<string, string>;

const require = createRequire(path.join(root, "package.json"));
const wranglerEntry = require.resolve("wrangler");
const wrangler = (await import(pathToFileURL(wranglerEntry).href)) as {
	unstable_getMiniflareWorkerOptions(config: string): { workerOptions: Record<string, unknown> };
	unstable_splitSqlQuery(sql: string): string[];
};
const miniflareEntry = createRequire(wranglerEntry).resolve("miniflare");
const { Miniflare } = (await import(pathToFileURL(miniflareEntry).href)) as {
	Miniflare: new (options: Record<string, unknown>) => MiniflareLike;
};

const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
const mf = new Miniflare({
	...workerOptions,
	name: "docslot",
	modules: true,
	scriptPath: script,
	bindings: {
		...(workerOptions.bindings as Record<string, unknown>),
		RATE_LIMITS: "off",
		...vars,
		AUTH_SECRET: env("AUTH_SECRET"),
		ADMIN_TOKEN: env("ADMIN_TOKEN"),
	},
	host: "127.0.0.1",
	port,
	inspectorPort,
	cf: false,
	d1Persist: path.join(persist, "d1"),
	durableObjectsPersist: path.join(persist, "do"),
	cachePersist: false,
});
const url = await mf.ready;

// The D1 migrations, in order, the first time this state directory is used.
const db = await mf.getD1Database("DB");
const dir = path.join(root, "migrations");
const applied = await db
	.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'doctors'")
	.run()
	.then((r) => ((r as { results: Array<{ n: number }> }).results[0]?.n ?? 0) > 0);
if (!applied) {
	for (const file of readdirSync(dir)
		.filter((f) => f.endsWith(".sql"))
		.sort()) {
		const statements = wrangler.unstable_splitSqlQuery(readFileSync(path.join(dir, file), "utf8"));
		for (const statement of statements) {
			const sql = statement.replace(/-->\s*statement-breakpoint/g, "").trim();
			if (sql) await db.prepare(sql).run();
		}
	}
}

console.log(`READY ${url.origin}`);
const stop = async () => {
	await mf.dispose();
	process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
