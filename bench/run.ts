// `npm run bench`: starts the service, loads it from this process (the service runs as separate process
// groups), checks every booking load for correctness and writes bench/report.md, bench/report.json and
// bench/report.svg. Sizes come from the environment (bench/lib/config.ts, bench/README.md).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Ledger } from "./lib/booking";
import { config } from "./lib/config";
import type { LoadRow, RunContext } from "./lib/context";
import { setQuietGate, setServiceRoot } from "./lib/cpu";
import { mintPatients, openInboxes, random } from "./lib/fixtures";
import { type Machine, type Report, renderMarkdown, type TargetInfo } from "./lib/report";
import { OUT, prepareSource, ROOT } from "./lib/server";
import { scalingChart } from "./lib/svg";
import { startTarget, type Target } from "./lib/targets";
import { calibrate, contended, type PathRow, paths, scaling, spread, warmUp } from "./scenarios/booking";
import { type DeliveryResult, notifications, offers } from "./scenarios/delivery";
import { type EmailRow, emailCost } from "./scenarios/email";
import { type FanoutRow, fanout, fileLimit } from "./scenarios/fanout";
import { type HoldsResult, holds } from "./scenarios/holds";
import { type HopsResult, hops } from "./scenarios/hops";
import { type ProfileResult, profile } from "./scenarios/profile";
import { reads } from "./scenarios/reads";
import { createFixtures } from "./scenarios/setup";
import { type WebhookResult, webhooks } from "./scenarios/webhooks";

// BENCH_RENDER=1: rewrite report.md from an existing report.json (after changing the report's layout).
if (process.env.BENCH_RENDER === "1") {
	const dir = config.output ? path.resolve(config.output) : path.join(ROOT, "bench");
	const saved = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as Report;
	const chart = existsSync(path.join(dir, "report.svg")) ? "report.svg" : null;
	writeFileSync(path.join(dir, "report.md"), renderMarkdown(saved, chart));
	console.log(`rewrote ${path.join(dir, "report.md")}`);
	process.exit();
}

const runStarted = performance.now();
const log = (message: string) =>
	console.log(`[bench ${((performance.now() - runStarted) / 1000).toFixed(0).padStart(4)} s] ${message}`);

mkdirSync(OUT, { recursive: true });
const source = prepareSource(config.frozen, config.source ?? ROOT);
const machine: Machine = {
	cpus: os.cpus().length,
	model: os.cpus()[0]?.model ?? "unknown",
	memoryGB: os.totalmem() / 2 ** 30,
	node: process.version,
	platform: `${os.type()} ${os.release()}`,
	loadBefore: os.loadavg(),
	loadAfter: [],
	fileLimit: fileLimit(),
};
log(
	`commit ${source.commit}${source.dirty.length ? ` (+${source.dirty.length} uncommitted)` : ""}, ${machine.cpus} cores, load ${machine.loadBefore.map((l) => l.toFixed(2)).join(" ")}, targets ${config.targets.join(", ")}, scenarios ${config.scenarios.join(", ")}${config.quick ? " (quick)" : ""}`,
);

const report: Report & {
	hops: HopsResult[];
	holds: HoldsResult[];
	deliveries: DeliveryResult[];
	webhooks: WebhookResult[];
	email: EmailRow[];
} = {
	generatedAt: new Date().toISOString(),
	seconds: 0,
	machine,
	source,
	config,
	targets: [],
	hops: [],
	paths: [] as PathRow[],
	contended: [] as LoadRow[],
	spread: [] as LoadRow[],
	reads: [] as LoadRow[],
	fanout: [] as FanoutRow[],
	holds: [],
	deliveries: [],
	webhooks: [],
	email: [],
	scaling: [] as LoadRow[],
	profile: [] as ProfileResult[],
	errors: [],
	quietWaitS: 0,
};

const wants = (s: (typeof config.scenarios)[number]) => config.scenarios.includes(s);

setQuietGate(config.quietWaitS, (waitedS, others) => {
	report.quietWaitS += waitedS;
	if (others >= 0.3)
		log(
			`other processes still use ${others.toFixed(1)} cores after ${waitedS.toFixed(0)} s; measuring anyway`,
		);
});

async function step<T>(name: string, target: string, run: () => Promise<T>): Promise<T | undefined> {
	try {
		return await run();
	} catch (error) {
		const message = `${target} ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
		log(`FAILED ${message}`);
		report.errors.push(message);
		return undefined;
	}
}

for (const name of config.targets) {
	// On a traced service of its own, before the main one starts: the others run untraced, as deployed.
	if (wants("hops")) {
		const result = await step("hops", name, () => hops(name, source, config, (m) => log(`${name}: ${m}`)));
		if (result) report.hops.push(result);
		for (const row of result?.rows.filter((r) => !r.ok) ?? [])
			report.errors.push(
				`${name} hops: ${row.request}: ${row.warm.beforeTotal[1]} calls before the answer warm, at most ${row.expectWarm} expected`,
			);
		if (result && !result.objectsVisible)
			report.errors.push(
				`${name} hops: no object-side call reached the log; the object columns are not counted`,
			);
		if (result?.lag && result.lag.timeouts > 0)
			report.errors.push(
				`${name} hops: ${result.lag.timeouts} bookings not listed within ${result.lag.boundMs} ms`,
			);
	}
	// On services of their own (sending on and off); the emulator it measures is the same on both targets.
	if (wants("email") && name === "runtime") {
		const rows = await step("email", name, () =>
			emailCost(name, source, config, (m) => log(`${name}: ${m}`)),
		);
		report.email.push(...(rows ?? []));
		for (const row of rows?.filter((r) => !r.verification.ok) ?? [])
			report.errors.push(`${name} email (sending ${row.sending}): the correctness check of its load failed`);
	}
	if (config.scenarios.every((s) => s === "hops" || s === "email")) continue;
	const targetStarted = performance.now();
	log(`${name}: starting`);
	let target: Target;
	try {
		target = await startTarget(name, source);
	} catch (error) {
		report.errors.push(`${name}: could not start: ${String(error)}`);
		log(`${name}: could not start: ${String(error)}`);
		continue;
	}
	setServiceRoot(() => target.pid());
	const startS = (performance.now() - targetStarted) / 1000;
	log(`${name}: ready at ${target.baseUrl} in ${startS.toFixed(1)} s`);
	const info: TargetInfo = {
		name,
		description: target.description,
		startS,
		fixturesS: 0,
		calibration: 0,
		rate: 0,
		reloads: 0,
		devLogMB: 0,
		seconds: 0,
	};
	report.targets.push(info);
	try {
		const fixturesStarted = performance.now();
		const fixtures = await createFixtures(
			{ baseUrl: target.baseUrl, adminToken: target.adminToken },
			config,
			(m) => log(`${name}: ${m}`),
		);
		const patients = await mintPatients(target.authSecret, config.patients);
		await openInboxes(target.baseUrl, patients);
		info.fixturesS = (performance.now() - fixturesStarted) / 1000;
		let patient = 0;
		const ctx: RunContext = {
			target,
			config,
			ledger: new Ledger(),
			fixtures,
			rate: 1,
			rng: random(config.seed),
			nextPatient: () => patients[patient++ % patients.length] as (typeof patients)[number],
			log: (m) => log(`${name}: ${m}`),
		};

		const warmed = await step("warm-up", name, () => warmUp(ctx));
		if (warmed !== undefined) log(`${name}: warm-up: ${warmed.toFixed(1)} bookings/s (not reported)`);
		if (wants("paths")) report.paths.push(...((await step("paths", name, () => paths(ctx))) ?? []));
		const calibration = await step("calibration", name, () => calibrate(ctx));
		info.calibration = calibration ?? 0;
		ctx.rate = config.rate ?? Math.max(1, Math.round((calibration ?? 10) * config.loadFraction));
		info.rate = ctx.rate;
		log(
			`${name}: open-loop booking rate ${ctx.rate}/s (closed-loop throughput with ${config.calibrationConnections} clients ${info.calibration.toFixed(1)}/s)`,
		);

		if (wants("contended"))
			report.contended.push(...((await step("contended", name, () => contended(ctx))) ?? []));
		if (wants("spread")) report.spread.push(...((await step("spread", name, () => spread(ctx))) ?? []));
		if (wants("scaling")) report.scaling.push(...((await step("scaling", name, () => scaling(ctx))) ?? []));
		if (wants("fanout")) report.fanout.push(...((await step("fanout", name, () => fanout(ctx))) ?? []));
		if (wants("holds")) {
			const result = await step("holds", name, () => holds(ctx));
			if (result) report.holds.push(result);
			if (result && !result.verification.ok)
				report.errors.push(`${name} holds: the correctness check of the hold → confirm load failed`);
			if (result?.expiryError) report.errors.push(`${name} holds (expiry): ${result.expiryError}`);
			if (result?.expiry && result.expiry.missing > 0)
				report.errors.push(`${name} holds: ${result.expiry.missing} expired holds never shown freed`);
		}
		for (const [scenario, run] of [
			["offers", offers],
			["notifications", notifications],
		] as const) {
			if (!wants(scenario)) continue;
			const result = await step(scenario, name, () => run(ctx));
			if (result) report.deliveries.push(result);
			for (const t of result?.timings.filter((t) => t.missing > 0) ?? [])
				report.errors.push(`${name} ${scenario}: ${t.missing} trials without "${t.what}" within the timeout`);
			if (result && result.failedSetups > 0)
				report.errors.push(`${name} ${scenario}: ${result.failedSetups} trials could not be set up`);
		}
		if (wants("webhooks")) {
			const result = await step("webhooks", name, () => webhooks(ctx));
			if (result) report.webhooks.push(result);
			if (result && !result.ok)
				report.errors.push(
					`${name} webhooks: ${result.delivered} of ${result.events} events delivered, ${result.badSignatures} bad signatures, ${result.unexpected} unexpected, ${result.malformed} malformed`,
				);
		}
		if (wants("profile")) {
			const result = await step("profile", name, () => profile(ctx));
			if (result) report.profile.push(result);
		}
		// Last: restarts the service so the reads start cold.
		if (wants("reads")) report.reads.push(...((await step("reads", name, () => reads(ctx))) ?? []));
	} catch (error) {
		// Fixtures failed: this target's scenarios cannot run; the report still gets written.
		const message = `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
		log(`FAILED ${message}`);
		report.errors.push(message);
	} finally {
		info.reloads = target.reloads();
		info.devLogMB = target.devLogBytes() / 2 ** 20;
		await target.dispose();
		info.seconds = (performance.now() - targetStarted) / 1000;
		log(`${name}: done in ${info.seconds.toFixed(0)} s`);
	}
}

machine.loadAfter = os.loadavg();
report.seconds = (performance.now() - runStarted) / 1000;

const colors: Record<string, string> = { dev: "#d9480f", runtime: "#1c7ed6" };
const series = report.targets
	.map((t) => ({
		name:
			t.name === "dev" ? "dev: through wrangler dev's proxy" : "runtime: workerd via Miniflare, no wrangler",
		color: colors[t.name] ?? "#333",
		points: report.scaling
			.filter((r) => r.target === t.name)
			.map((r) => ({ x: Number(r.label), throughput: r.throughput, p99: r.p99 })),
	}))
	.filter((s) => s.points.length > 0);
const chart =
	series.length > 0 ? scalingChart(series, "docslot bookings, closed loop, spread over doctor-days") : "";
const benchDir = config.output ? path.resolve(config.output) : path.join(ROOT, "bench");
mkdirSync(benchDir, { recursive: true });
if (chart) writeFileSync(path.join(benchDir, "report.svg"), chart);
writeFileSync(path.join(benchDir, "report.json"), `${JSON.stringify(report, null, "\t")}\n`);
writeFileSync(path.join(benchDir, "report.md"), renderMarkdown(report, chart ? "report.svg" : null));
const shown = path.relative(ROOT, benchDir) || ".";
log(
	`wrote ${shown}/report.md, report.json${chart ? ", report.svg" : ""} in ${(report.seconds / 60).toFixed(1)} min`,
);
if (report.errors.length > 0) {
	log(`${report.errors.length} step(s) failed; see the report`);
	process.exitCode = 1;
}
const failed = [...report.contended, ...report.spread, ...report.scaling].filter(
	(r) => r.verification && !r.verification.ok,
);
if (failed.length > 0) {
	log(`CORRECTNESS CHECK FAILED in ${failed.length} load(s)`);
	process.exitCode = 1;
}
// Sockets, agents and timers of the load generators must not keep the process alive.
process.exit();
