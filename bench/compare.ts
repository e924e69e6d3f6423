// `npm run bench:compare -- <rev> <rev> …`: the booking path of two or more git revisions, measured in
// interleaved rounds on the runtime target (A B A B …), so a change's effect is told apart from the machine's
// drift. Each round starts the revision's service fresh and runs, on ~100 doctor-days (capacity 15) and on
// one (capacity 1,000): an open-loop load at BENCH_COMPARE_RATE bookings/s (latency from intended send
// times), and closed-loop loads of 16 connections (throughput, service CPU per booking); then checks every
// 201 reads back. Writes bench/out/compare/report.md. Rounds: BENCH_COMPARE_ROUNDS (3).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Ledger, verify } from "./lib/booking";
import { serviceCpuPerAnswer } from "./lib/context";
import { setServiceRoot, waitForQuiet } from "./lib/cpu";
import {
	createDoctors,
	doctorDays,
	mintPatients,
	openInboxes,
	type Patient,
	random,
	warm,
} from "./lib/fixtures";
import { openLoop } from "./lib/open-loop";
import { OUT, prepareSource, ROOT } from "./lib/server";
import { summarize } from "./lib/stats";
import { startTarget } from "./lib/targets";
import { type BookingLoad, closedBooking, randomBooking } from "./scenarios/booking";

const revisions = process.argv.slice(2);
if (revisions.length < 2) {
	console.error("usage: npm run bench:compare -- <git rev> <git rev> [...]");
	process.exit(2);
}
const rounds = Number(process.env.BENCH_COMPARE_ROUNDS ?? 3);
const rate = Number(process.env.BENCH_COMPARE_RATE ?? 40);
const STEP_S = 6;
const CONNECTIONS = 16;
const dir = path.join(OUT, "compare");

/** Each revision's tree, from git (its own src, public, migrations, wrangler.toml and test-e2e harness). */
function checkout(rev: string): { name: string; root: string } {
	const commit = execFileSync("git", ["rev-parse", "--short", rev], { cwd: ROOT, encoding: "utf8" }).trim();
	const root = path.join(dir, commit);
	rmSync(root, { recursive: true, force: true });
	mkdirSync(root, { recursive: true });
	execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${root}`], { cwd: ROOT });
	return { name: `${rev} (${commit})`, root };
}

interface Row {
	revision: string;
	round: number;
	openP50: number;
	openP99: number;
	spreadPerS: number;
	spreadCpuMs: number;
	/** ms from the load's end until its last 201 was listed (NaN: not within the bound). */
	spreadListedMs: number;
	oneDayPerS: number;
	oneDayCpuMs: number;
	oneDayListedMs: number;
	othersCores: number;
	correct: boolean;
}

async function measure(name: string, root: string, round: number): Promise<Row> {
	const target = await startTarget("runtime", prepareSource(true, root));
	try {
		setServiceRoot(() => target.pid());
		const admin = { baseUrl: target.baseUrl, adminToken: target.adminToken };
		const oneDay = doctorDays(await createDoctors(admin, 1, 1000), 1);
		const spread = doctorDays(await createDoctors(admin, 2, 15), 50);
		const patients = await mintPatients(target.authSecret, 3_000);
		await openInboxes(target.baseUrl, patients);
		let next = 0;
		const ctx: BookingLoad = {
			ledger: new Ledger(),
			rng: random(round + 1),
			nextPatient: () => patients[next++ % patients.length] as Patient,
		};
		await warm(target.baseUrl, [...oneDay, ...spread]);
		const others: number[] = [];
		await waitForQuiet(30);
		const open = await openLoop(target.baseUrl, {
			rate,
			durationS: STEP_S,
			request: randomBooking(ctx, spread),
			keepBody: (status) => status === 201,
		});
		for (const s of open.samples) ctx.ledger.record(s.tag, s.status, s.body);
		others.push(open.cpu.others);
		const latency = summarize(open.samples.map((s) => s.latencyMs));
		await waitForQuiet(30);
		const wide = await closedBooking(ctx, target, spread, CONNECTIONS, STEP_S);
		others.push(wide.cpu.others);
		await waitForQuiet(30);
		const narrow = await closedBooking(ctx, target, oneDay, CONNECTIONS, STEP_S);
		others.push(narrow.cpu.others);
		const checked = await verify(target.baseUrl, target.adminToken, ctx.ledger, [...oneDay, ...spread]);
		return {
			revision: name,
			round,
			openP50: latency.p50,
			openP99: latency.p99,
			spreadPerS: wide.throughput,
			spreadCpuMs: serviceCpuPerAnswer(wide.cpu, wide.total),
			spreadListedMs: wide.listedAfterMs ?? Number.NaN,
			oneDayPerS: narrow.throughput,
			oneDayCpuMs: serviceCpuPerAnswer(narrow.cpu, narrow.total),
			oneDayListedMs: narrow.listedAfterMs ?? Number.NaN,
			othersCores: Math.max(...others),
			correct: checked.ok,
		};
	} finally {
		await target.dispose();
	}
}

const trees = revisions.map(checkout);
const rows: Row[] = [];
for (let round = 0; round < rounds; round++) {
	for (const tree of trees) {
		const row = await measure(tree.name, tree.root, round);
		rows.push(row);
		console.log(JSON.stringify(row));
	}
}

const f = (n: number) => n.toFixed(1);
const median = (values: number[]) => summarize(values).p50;
const columns =
	"| revision | open p50 ms | open p99 ms | 100 days: bookings/s | CPU ms/booking | last 201 listed after ms | 1 day: bookings/s | CPU ms/booking | last 201 listed after ms |";
const lines = [
	"# Booking path: revisions compared",
	"",
	`${rounds} interleaved rounds on the runtime target, ${new Date().toISOString()}; open loop ${rate}/s, closed loop ${CONNECTIONS} connections, ${STEP_S} s per load. Every round's 201s read back: ${rows.every((r) => r.correct) ? "yes" : "NO"}. Most CPU other processes used during a load: ${f(Math.max(...rows.map((r) => r.othersCores)))} cores. \`last 201 listed after\`: from a closed load's end until its last booking shows in its patient's list (D1's projection, written after the answer): whether the work after the answers kept up.`,
	"",
	"Medians over the rounds:",
	"",
	columns,
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|",
	...trees.map((tree) => {
		const mine = rows.filter((r) => r.revision === tree.name);
		const m = (key: keyof Row) => f(median(mine.map((r) => r[key] as number)));
		return `| ${tree.name} | ${m("openP50")} | ${m("openP99")} | ${m("spreadPerS")} | ${m("spreadCpuMs")} | ${m("spreadListedMs")} | ${m("oneDayPerS")} | ${m("oneDayCpuMs")} | ${m("oneDayListedMs")} |`;
	}),
	"",
	"Every round:",
	"",
	`${columns.slice(0, -1)}| round | others (cores) |`,
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
	...rows.map(
		(r) =>
			`| ${r.revision} | ${f(r.openP50)} | ${f(r.openP99)} | ${f(r.spreadPerS)} | ${f(r.spreadCpuMs)} | ${f(r.spreadListedMs)} | ${f(r.oneDayPerS)} | ${f(r.oneDayCpuMs)} | ${f(r.oneDayListedMs)} | ${r.round + 1} | ${r.othersCores.toFixed(2)} |`,
	),
	"",
];
writeFileSync(path.join(dir, "report.md"), lines.join("\n"));
console.log(lines.join("\n"));
process.exit(rows.every((r) => r.correct) ? 0 : 1);
