// bench/report.md and bench/report.json from one run's results.

import type { PathRow } from "../scenarios/booking";
import type { DeliveryResult } from "../scenarios/delivery";
import type { EmailRow } from "../scenarios/email";
import type { FanoutRow } from "../scenarios/fanout";
import type { HoldsResult } from "../scenarios/holds";
import { HOP_KINDS, type HopStat, type HopsResult } from "../scenarios/hops";
import type { ProfileResult } from "../scenarios/profile";
import type { WebhookResult } from "../scenarios/webhooks";
import type { Verification } from "./booking";
import type { Config } from "./config";
import { type LoadRow, serviceCpuPerAnswer } from "./context";
import type { CpuUse } from "./cpu";
import { type Source, STATE_ROOT } from "./server";
import { fmt, type LatencySummary } from "./stats";

export interface TargetInfo {
	name: string;
	description: string;
	startS: number;
	fixturesS: number;
	/** Closed-loop booking throughput the open-loop rate was set from (req/s). */
	calibration: number;
	/** Open-loop booking rate (req/s). */
	rate: number;
	reloads: number;
	devLogMB: number;
	seconds: number;
}

export interface Machine {
	cpus: number;
	model: string;
	memoryGB: number;
	node: string;
	platform: string;
	loadBefore: number[];
	loadAfter: number[];
	fileLimit: number;
}

export interface Report {
	generatedAt: string;
	seconds: number;
	machine: Machine;
	source: Source;
	config: Omit<Config, "rate"> & { rate: number | null };
	targets: TargetInfo[];
	/** Absent in reports from before the hops scenario. */
	hops?: HopsResult[];
	paths: PathRow[];
	contended: LoadRow[];
	spread: LoadRow[];
	reads: LoadRow[];
	fanout: FanoutRow[];
	/** Absent in reports from before the holds, offers, notifications and webhooks scenarios. */
	holds?: HoldsResult[];
	deliveries?: DeliveryResult[];
	webhooks?: WebhookResult[];
	/** Absent in reports from before the email scenario (whose loads all sent email). */
	email?: EmailRow[];
	scaling: LoadRow[];
	profile: ProfileResult[];
	errors: string[];
	/** Seconds the load generators waited for other processes to quieten. */
	quietWaitS: number;
}

const ms = (v: number | null | undefined) => fmt(v ?? Number.NaN);

/** `errors`: what the requests with no answer ("0") failed with, when known. */
function statuses(s: Record<string, number>, errors: Record<string, number> = {}): string {
	const why = Object.entries(errors)
		.map(([kind, n]) => `${kind} ${n}`)
		.join(", ");
	return Object.entries(s)
		.sort((a, b) => Number(a[0]) - Number(b[0]))
		.map(([code, n]) => (code === "0" ? `no answer: ${n}${why ? ` (${why})` : ""}` : `${code}: ${n}`))
		.join(", ");
}

function check(v: Verification | undefined): string {
	if (v === undefined) return "";
	const mark = v.ok ? "✓" : "✗";
	const unknown = v.unknown > 0 ? ` (+≤${v.unknown} unanswered)` : "";
	const over = v.overCapacity > 0 ? `, ${v.overCapacity} slots OVER CAPACITY` : "";
	const unreadable = v.unreadable > 0 ? `, ${v.unreadable} NOT READABLE` : "";
	return `${mark} ${v.held} held / ${v.acknowledged} acked${unknown} over ${v.days} day${v.days === 1 ? "" : "s"}${over}${unreadable}`;
}

/** Cores used by the bench and service / by other processes, e.g. "1.6 / 0.3". */
function cpu(use: CpuUse | undefined): string {
	return use === undefined ? "" : `${use.ours.toFixed(1)} / ${use.others.toFixed(1)}`;
}

/** A closed row's "last 201 listed after": its deliveries' backlog when the load stopped. */
function listed(row: LoadRow): string {
	if (row.listedAfterMs === undefined) return "";
	return row.listedAfterMs === null ? "not in 60 s" : ms(row.listedAfterMs);
}

/** A closed row's slowest 1% of 201s: their mean latency, and in brackets the part outside the handler. */
function slowest(row: LoadRow): string {
	if (row.slowest === undefined) return "";
	return row.slowest === null ? "–" : `${ms(row.slowest.latencyMs)} (${ms(row.slowest.outsideMs)})`;
}

/** Says what the closed rows' last two columns are. */
const CLOSED_NOTES = [
	"`last 201 listed after` (closed rows): from the load's end to its last acknowledged booking showing in its patient's `GET /api/appointments`, which reads D1's projection, written after the answer. It shows whether the work that follows the answers kept up with them: a few ms to tens of ms when it did, seconds when it was left for later (which would also flatter the row's answers/s and CPU).",
	"",
	"`slowest 1% of 201s (outside the handler)` (closed rows): the mean latency of the load's slowest 1% of acknowledged bookings as their clients saw it, and in brackets how much of it passed outside the booking handler: the latency less the handler's own `duration_ms`, which the service logs for each booking (from the route handler's start to its answer, the call to the day's object included). What is outside is the network, the middleware and the runtime's queues before the handler starts and after it answers. When the brackets hold nearly all of it, the tail is the runtime's scheduling of connections, not the booking's work. Runtime target only (`–` on dev: wrangler dev, as the bench starts it at `--log-level info`, leaves the Worker's own log lines out).",
].join("\n");

function load(row: LoadRow): string {
	return row.mode === "open" ? `open ${fmt(row.rate, 0)}/s` : `closed ${row.connections} conn`;
}

function loadTable(rows: LoadRow[], caseName: string, ok: string): string {
	const head = `| target | ${caseName} | load | n | answers/s | statuses | p50 ms | p90 ms | p99 ms | max ms | p50 ${ok} | p99 ${ok} | service CPU ms/answer | CPU ours / others | last 201 listed after ms | slowest 1% of 201s ms (outside the handler) | check |\n|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|`;
	const body = rows.map(
		(r) =>
			`| ${r.target} | ${r.label} | ${load(r)}${r.overloaded ? " **overloaded**" : ""} | ${r.n} | ${fmt(r.throughput)} | ${statuses(r.statuses, r.errorKinds)} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.okP50)} | ${ms(r.okP99)} | ${fmt(serviceCpuPerAnswer(r.cpu, r.n), 2)} | ${cpu(r.cpu)} | ${listed(r)} | ${slowest(r)} | ${check(r.verification)} |`,
	);
	return [head, ...body].join("\n");
}

function ratio(a: number | undefined, b: number | undefined): string {
	if (a === undefined || b === undefined || !(b > 0)) return "–";
	return `${(a / b).toFixed(2)}×`;
}

/** "1", or "1–2" when the samples differed. */
function span([min, max]: [number, number]): string {
	return min === max ? `${min}` : `${min}–${max}`;
}

function hopCells(stat: HopStat): string {
	const statuses = Object.keys(stat.statuses).join(", ");
	return `${stat.n} | ${statuses} | ${HOP_KINDS.map((k) => span(stat.before[k])).join(" | ")} | **${span(stat.beforeTotal)}**`;
}

function afterCell(stat: HopStat): string {
	const after = HOP_KINDS.filter((k) => stat.after[k][1] > 0).map((k) => `${k} ${span(stat.after[k])}`);
	return after.length > 0 ? after.join(", ") : "–";
}

function hopsSections(results: readonly HopsResult[]): string[] {
	const lines: string[] = [
		"## Hops: remote calls per request",
		"",
		"Counted by instrumentation, not written by hand: with `HOP_TRACE=on`, `src/lib/hops.ts` logs every remote call where it is made (the Worker's D1 reads and object calls, an object's D1 read of its config, an object's call to another object, and the event deliveries after the answer), and `GET /api/_debug/hops` returns and resets the log. Locally the Worker and every object of the script run in one isolate (bench/experiments/shared-isolate), so one log holds both sides; the scenario checks that object-side calls did reach it. It runs on a service of its own with tracing on; the other sections run with it off.",
		"",
		"Each request is sent alone: the log is drained, the request answered, the log read (every call tagged *before the answer* is in it by then), then read until it has been quiet for 0.5 s (the event delivery that runs *after the answer*). **cold**: the first request for its doctor after a restart of the service: a fresh isolate, so the Worker's routing cache is empty, and every object starts again from its storage. Each request type has a doctor of its own, so one restart gives every type a cold request. **warm**: the samples right after it, while the routing record it loaded is cached (30 s from the load) and the objects run (a range such as `1–2` means the samples differed).",
		"",
		"| target | request | cache | n | status | Worker→object | Worker→D1 | object→D1 | object→object | before the answer | expected, warm | after the answer | call sites before the answer |",
		"|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---|---|",
	];
	for (const result of results) {
		for (const row of result.rows) {
			const expected = row.expectWarm === null ? "–" : `≤ ${row.expectWarm} ${row.ok ? "✓" : "✗ **MORE**"}`;
			for (const [cache, stat] of [
				["warm", row.warm],
				["cold", row.cold],
			] as const) {
				lines.push(
					`| ${result.target} | ${row.request} | ${cache} | ${hopCells(stat)} | ${cache === "warm" ? expected : ""} | ${afterCell(stat)} | ${stat.sites.map((s) => `\`${s}\``).join(", ")}${stat.strays > 0 ? ` (+${stat.strays} unrelated)` : ""} |`,
				);
			}
		}
	}
	lines.push(
		"",
		"How to read it: a booking, a cancel, a day read, a slot check and the socket upgrade are one call from the Worker to the day's object; the 62-day range is one call to the doctor's object; `SLOT_FULL` adds one call to the doctor's object only when the day itself has fewer than five free slots to offer. Cold adds the Worker's one D1 read of the routing record; a day object reads its config from D1 only when it was never given one (days from today to the horizon are given theirs by the doctor's object when the schedule changes, so the look-back day `yesterday` is the case that shows it). After the answer, a committed change is delivered to D1's projection and to the doctor's object.",
		"",
	);
	for (const result of results) {
		const span = Math.max(...result.rows.map((r) => r.warmSpanS));
		lines.push(
			`${result.target}: every warm sample was taken within ${fmt(span)} s of its cold request${span > 30 ? " (**past the routing record's 30 s**: a warm row may include a reload)" : ""}.`,
			"",
		);
		if (!result.objectsVisible)
			lines.push(
				`**${result.target}: no object-side call reached the Worker's log**, so the object columns of that target count nothing.`,
				"",
			);
	}
	const lags = results.filter((r) => r.lag !== null);
	if (lags.length > 0) {
		lines.push(
			"## Projection lag: from a 201 to the list",
			"",
			"`GET /api/appointments` lists from D1's projection, which the day's object writes after it answered. Bookings are made one at a time (distinct patients, spread over 10 days of one doctor); after each 201 the booking patient's list for that date is read again and again (2 ms apart, up to the bound) until it holds the new appointment. Lag = the 201's arrival → the arrival of the first list holding it, so it includes one list read (its round trip is given); `listed at first read` counts bookings that the very first list read after the 201 already held: when that is all of them, the lag is shorter than a list read and the figures are that read's round trip, an upper bound. (Locally D1 is one more object in the same process and takes the projection write, sent before the 201, ahead of the list's read; deployed, the write and the read travel separately.)",
			"",
			"| target | bookings | p50 ms | p90 ms | p99 ms | max ms | listed at first read | not listed within bound | list read p50 / p99 ms |",
			"|---|---:|---:|---:|---:|---:|---:|---:|---|",
			...lags.map((r) => {
				const l = r.lag as NonNullable<HopsResult["lag"]>;
				return `| ${r.target} | ${l.lag.n}${l.refused > 0 ? ` (+${l.refused} refused)` : ""} | ${ms(l.lag.p50)} | ${ms(l.lag.p90)} | ${ms(l.lag.p99)} | ${ms(l.lag.max)} | ${l.firstRead} | ${l.timeouts} (bound ${l.boundMs} ms) | ${ms(l.listRead.p50)} / ${ms(l.listRead.p99)} |`;
			}),
			"",
		);
	}
	return lines;
}

function summaryCells(l: LatencySummary): string {
	return `${l.n} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)}`;
}

function holdsSections(results: readonly HoldsResult[]): string[] {
	const lines = [
		"## Holds: hold → confirm, and expiries",
		"",
		"**Hold → confirm against plain booking, on one load.** One open-loop load on one fresh doctor-day (capacity 1000 per slot, so nothing is refused for lack of room): arrivals at a fixed rate, alternately a plain booking (`POST /api/appointments`) and a hold (`POST /api/holds`) followed, as soon as it is answered, by its confirmation (`POST /api/appointments` with `hold_id`), each arrival a different patient at a random slot. The arrival rate is the open-loop booking rate R ÷ 1.5, so the service gets about R requests/s like the other open-loop rows. Latencies of `plain booking`, `hold` and `hold → confirm` are from the arrival's intended time (open loop); `confirm` from the moment its request was sent. The day is then checked like every booking load (every 201, plain or confirmed, reads back; the day holds exactly them).",
		"",
		"| target | arrivals/s | step | n | statuses | p50 ms | p90 ms | p99 ms | max ms | CPU ours / others | check |",
		"|---|---:|---|---:|---|---:|---:|---:|---:|---|---|",
	];
	for (const r of results) {
		for (const [k, step] of r.steps.entries())
			lines.push(
				`| ${r.target} | ${k === 0 ? `${fmt(r.rate, 0)}${r.overloaded ? " **overloaded**" : ""}` : ""} | ${step.step} | ${step.latency.n} | ${statuses(step.statuses)} | ${ms(step.latency.p50)} | ${ms(step.latency.p90)} | ${ms(step.latency.p99)} | ${ms(step.latency.max)} | ${k === 0 ? cpu(r.cpu) : ""} | ${k === 0 ? check(r.verification) : ""} |`,
			);
	}
	lines.push("");
	for (const r of results) {
		const plain = r.steps.find((s) => s.step === "plain booking")?.latency;
		const flow = r.steps.find((s) => s.step === "hold → confirm")?.latency;
		if (plain && flow)
			lines.push(
				`${r.target}: hold → confirm takes ${ratio(flow.p50, plain.p50)} a plain booking at p50, ${ratio(flow.p99, plain.p99)} at p99 (two round trips instead of one).`,
				"",
			);
	}
	const expiries = results.filter((r) => r.expiry !== null);
	if (expiries.length > 0) {
		lines.push(
			"**Holds expiring on one doctor-day.** N holds on one fresh doctor-day (distinct patients, slots in turn), `hold_seconds` at its minimum (10), placed by 16 clients as fast as the service answers; the day's live socket, opened first, shows each slot's `held` fall as the object's alarm expires them (one alarm per object; each firing ends every hold that is due, as one change pushed to the watchers). `lag` pairs the k-th place shown freed with the k-th earliest `expires_at` (the service's clock; same machine). The holds come due as fast as they were placed (`due over`), so `freed/s` can be no higher than the placing rate: it shows the object keeps up with that rate, at the lag given, not its ceiling.",
			"",
			"| target | holds placed | placed in | due over | most held at once | freed | freed over | freed/s | freeing updates | largest batch | lag p50 ms | lag p90 ms | lag p99 ms | lag max ms | still held |",
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
			...expiries.map((r) => {
				const e = r.expiry as NonNullable<HoldsResult["expiry"]>;
				const placed = `${e.placed}${e.placed < e.requested ? ` of ${e.requested} (${statuses(e.placeStatuses)})` : ""}`;
				return `| ${r.target} | ${placed} | ${fmt(e.placeS)} s | ${fmt(e.dueSpanS)} s | ${e.peakHeld} | ${e.freed} | ${fmt(e.freedSpanS)} s | ${fmt(e.freedSpanS > 0 ? e.freed / e.freedSpanS : Number.NaN)} | ${e.freeingUpdates} | ${e.largestBatch} | ${ms(e.lag.p50)} | ${ms(e.lag.p90)} | ${ms(e.lag.p99)} | ${ms(e.lag.max)} | ${e.missing} |`;
			}),
			"",
		);
	}
	return lines;
}

function deliverySections(results: readonly DeliveryResult[]): string[] {
	const lines: string[] = [];
	const section = (scenario: DeliveryResult["scenario"], title: string, text: string) => {
		const rows = results.filter((r) => r.scenario === scenario);
		if (rows.length === 0) return;
		lines.push(
			title,
			"",
			text,
			"",
			"| target | trials | what | n | p50 ms | p90 ms | p99 ms | max ms | missing |",
			"|---|---:|---|---:|---:|---:|---:|---:|---:|",
		);
		for (const r of rows) {
			lines.push(
				`| ${r.target} | ${r.trials}${r.failedSetups > 0 ? ` (${r.failedSetups} failed to set up)` : ""} | ${r.trigger.what} | ${summaryCells(r.trigger.latency)} | |`,
				...r.timings.map((t) => `| ${r.target} | | ${t.what} | ${summaryCells(t.latency)} | ${t.missing} |`),
			);
		}
		lines.push("");
	};
	section(
		"offers",
		"## Waitlist offer delivered to the waiting page",
		"One trial at a time on a capacity-1 doctor, a fresh slot each: patient A books the slot; patient B joins its waitlist (`POST /api/waitlist`) and opens their own channel (`/api/me/live`, with a ticket from `POST /api/live-tickets`) as the booking page does; A cancels. Timed from the moment the cancel is sent: its answer; B's channel receiving the `waitlist_offer` notification (on which the booking page shows the offer with Accept / Decline); the day's live socket (held by the bench since before the trial) showing the place `held` for B. A missing offer (none within 10 s) fails the run.",
	);
	section(
		"notifications",
		"## Notification delivered to the doctor's open page",
		"One trial at a time: a patient books the doctor (a fresh place each); the doctor's page holds its channel (`/api/me/live`, opened once with a ticket from `POST /api/live-tickets` after the doctor's login). Timed from the moment the booking is sent: its answer, and the channel receiving the notification for that appointment (the day event → the doctor's User object after the answer → the socket). A missing notification (none within 10 s) fails the run.",
	);
	return lines;
}

function emailSections(rows: readonly EmailRow[]): string[] {
	const off = rows.find((r) => r.sending === "off");
	const on = rows.find((r) => r.sending === "on");
	// Processes that did any of the work (the runtime's start also ran esbuild, long before the load).
	const processes = [...new Set(rows.flatMap((r) => Object.keys(r.byProcess)))]
		.filter((p) => rows.some((r) => (r.byProcess[p] ?? 0) >= 0.05))
		.sort();
	const lines = [
		"## Email: what the local send_email emulator costs",
		"",
		`Every other section runs with \`EMAIL_SENDING=off\`: each notification's email is still queued in its account's outbox in the same transaction (that write is counted), but the User object's alarm does not hand it to the \`send_email\` binding. Locally that binding is Miniflare's emulator, which parses every message and writes it to disk, in the runtime's Node process and in workerd; deployed, Cloudflare's email service does that work. Here the same closed booking load (100 doctor-days, returning patients) runs on two fresh services of its own, sending off and on. Each booking notifies its doctor, whose account has an address, so each sends one email (the bench's patients have none). CPU is counted until the service is idle, so it includes the sends.`,
		"",
		`| target | email sending | bookings | bookings/s | service CPU ms/booking | ${processes.map((p) => `${p} ms/booking`).join(" | ")} | check |`,
		`|---|---|---:|---:|---:|${processes.map(() => "---:").join("|")}|---|`,
		...rows.map(
			(r) =>
				`| ${r.target} | ${r.sending} | ${r.bookings} | ${fmt(r.throughput)} | ${fmt(r.cpuMs)} | ${processes.map((p) => fmt(r.byProcess[p] ?? 0)).join(" | ")} | ${check(r.verification)} |`,
		),
		"",
	];
	if (off && on)
		lines.push(
			`Handing each email to the emulator adds **${fmt(on.cpuMs - off.cpuMs)} ms** of service CPU per booking (${ratio(on.cpuMs, off.cpuMs)} the cost with sending off).`,
			"",
		);
	return lines;
}

function webhookSections(results: readonly WebhookResult[]): string[] {
	return [
		"## Webhook deliveries with a receiver that answers 500 half the time",
		"",
		"A receiver in the bench process (Node's http server on 127.0.0.1) answers 500 to every other POST it gets (strict alternation, whatever the event) and 204 to the rest, checking each accepted delivery's `Docslot-Signature` with the webhook's secret. A doctor with a webhook (`appointment.booked`, created by an admin) gets N bookings from 8 clients; every event must then arrive at least once. The queue retries a refused delivery after 2 s, 4 s, 8 s, … (`src/core/webhooks.ts`) and dead-letters it after 8 attempts, so the time until all are delivered is set by the backoff, not the service's speed: the rates to read are `first attempts/s` (the first attempt of every event, from the first POST to the last event's first attempt: what the queue and the Worker push; it cannot exceed the rate the bookings were made at, `events` ÷ `booked in`) and the attempts per event. The queue gathers messages for up to 1 s (`max_batch_timeout` in wrangler.toml), which sets most of `booked → first attempt`. So that a run ends within the backoff of 3 refusals (2 + 4 + 8 s), the receiver accepts a delivery it has already refused 3 times. `all delivered` is from the first booking sent to the last event's acceptance.",
		"",
		"| target | events | booked in | POSTs | refused | first attempts/s | booked → first attempt p50 / p99 ms | all delivered after | delivered/s | accepted at attempt | booked → accepted p50 / p99 ms | duplicates | check |",
		"|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|---:|---|",
		...results.map((r) => {
			const attempts = Object.entries(r.attempts)
				.sort((a, b) => Number(a[0]) - Number(b[0]))
				.map(([k, n]) => `${k}: ${n}`)
				.join(", ");
			const checked = r.ok
				? `✓ all ${r.events} arrived, signed`
				: `✗ ${r.delivered} of ${r.events} arrived in ${fmt(r.waitedS, 0)} s${r.badSignatures > 0 ? `, ${r.badSignatures} BAD SIGNATURES` : ""}${r.unexpected > 0 ? `, ${r.unexpected} unexpected` : ""}${r.malformed > 0 ? `, ${r.malformed} malformed` : ""}`;
			return `| ${r.target} | ${r.events} | ${fmt(r.bookingS)} s | ${r.posts} | ${r.refused} | ${fmt(r.firstAttemptsS > 0 ? r.firstAttempts / r.firstAttemptsS : Number.NaN)} | ${ms(r.firstAttemptDelay.p50)} / ${ms(r.firstAttemptDelay.p99)} | ${fmt(r.allDeliveredS)} s | ${fmt(r.allDeliveredS > 0 ? r.delivered / r.allDeliveredS : Number.NaN)} | ${attempts} | ${ms(r.deliveryDelay.p50)} / ${ms(r.deliveryDelay.p99)} | ${r.duplicates} | ${checked} |`;
		}),
		"",
	];
}

/** Issue 9's numbers: service CPU per booking per target, and the closed rows' p99 on the runtime target. */
const CPU_TARGET_MS: Readonly<Record<string, number>> = { runtime: 1.2, dev: 3 };
const P99_TARGET_MS = 100;

const cpuPerAnswer = (r: { cpu: CpuUse; n: number }) => serviceCpuPerAnswer(r.cpu, r.n);

/** "a–b" over the values, or "–" when there are none. */
function range(values: readonly number[]): string {
	const known = values.filter((v) => Number.isFinite(v));
	if (known.length === 0) return "–";
	const [min, max] = [fmt(Math.min(...known)), fmt(Math.max(...known))];
	return min === max ? min : `${min}–${max}`;
}

/** Requests that got neither a booking nor a refusal: no answer at all (0) or a 5xx. */
function failures(statuses: Record<string, number>): number {
	return Object.entries(statuses)
		.filter(([status]) => status === "0" || Number(status) >= 500)
		.reduce((sum, [, count]) => sum + count, 0);
}

/**
 * The issue's targets beside what this run measured, and beside what requests that book nothing cost on the
 * same target in the same run (section 0): the floor any booking starts from here.
 */
function targetsSection(report: Report): string[] {
	const lines = [
		"## The issue's targets against this run",
		"",
		`Issue 9 asks for at most ${CPU_TARGET_MS.runtime} ms of service CPU per booking on the runtime target and ${CPU_TARGET_MS.dev} ms through \`npm start\` (the dev target), and for a p99 of at most ${P99_TARGET_MS} ms, with no failures, in the closed 32-connection booking rows on the runtime target. Beside each is what requests that book nothing cost on the same target in this run (section 0, closed loop, 32 connections): a Worker-only 404, and one object call (a day's availability). A booking makes that object call and writes, so here it cannot cost less than the second.`,
		"",
		"| target | what | issue's target | this run | requests that book nothing, this run |",
		"|---|---|---|---|---|",
	];
	for (const target of report.targets.map((t) => t.name)) {
		const path = (request: string) =>
			report.paths.find((p) => p.target === target && p.path === "public" && p.request.startsWith(request));
		const floors = [
			{ what: "404", row: path("Worker only") },
			{ what: "one object call", row: path("day availability") },
		].flatMap(({ what, row }) => (row === undefined ? [] : [{ what, row }]));
		const booking = path("booking");
		const spread = report.spread.filter((r) => r.target === target && !r.label.startsWith("none"));
		const spreadCpu = (mode: LoadRow["mode"]) =>
			range(spread.filter((r) => r.mode === mode).map(cpuPerAnswer));
		const measured = [
			`spread rows: open ${spreadCpu("open")} ms, closed ${spreadCpu("closed")} ms`,
			...(booking === undefined ? [] : [`booking (section 0): ${fmt(cpuPerAnswer(booking), 2)} ms`]),
		];
		const floorCpu = floors.map(({ what, row }) => `${what}: ${fmt(cpuPerAnswer(row), 2)} ms`);
		lines.push(
			`| ${target} | service CPU per booking | ≤ ${CPU_TARGET_MS[target] ?? "–"} ms | ${measured.join("; ")} | ${floorCpu.join("; ") || "–"} |`,
		);
		if (target !== "runtime") continue;
		const closed = [...report.contended, ...report.spread].filter(
			(r) => r.target === target && r.mode === "closed" && r.connections === 32,
		);
		const p99s = closed.map((r) => {
			const failed = failures(r.statuses);
			return `${r.scenario} ${r.label}: ${ms(r.p99)}${failed > 0 ? ` (${failed} failed)` : ""}`;
		});
		const floorP99 = floors.map(({ what, row }) => `${what}: ${ms(row.p99)}`);
		lines.push(
			`| ${target} | closed 32 conn: p99 ms, failures | ≤ ${P99_TARGET_MS}, none | ${p99s.join("; ") || "–"} | ${floorP99.join("; ") || "–"} |`,
		);
	}
	lines.push("");
	return lines;
}

export function renderMarkdown(report: Report, chartFile: string | null): string {
	const { machine, source, config } = report;
	// A hops-only run starts no main service, so its targets are described by the hops results.
	const described = [
		...report.targets,
		...(report.hops ?? [])
			.filter((h) => !report.targets.some((t) => t.name === h.target))
			.map((h) => ({ name: h.target, description: h.description })),
	];
	const lines: string[] = [];
	const push = (...l: string[]) => lines.push(...l);
	push(
		"# docslot benchmark report",
		"",
		`Generated ${report.generatedAt} by \`npm run bench\`${config.quick ? " with BENCH_QUICK=1 (smoke sizes)" : ""} in ${fmt(report.seconds / 60)} min.`,
		`Code: commit ${source.commit}${source.dirty.length > 0 ? ` plus ${source.dirty.length} uncommitted change(s) under src/, public/ or the config (${source.dirty.map((d) => d.trim()).join("; ")})` : ""}, run from ${source.frozen ? "a frozen copy of the tree (bench/out/tree)" : "the live tree"}.`,
		"",
		"**Read these numbers as ratios within this run, not as absolutes.** The machine has " +
			`${machine.cpus} cores (${machine.model}, ${fmt(machine.memoryGB, 0)} GB) and is shared: load average ` +
			`${machine.loadBefore.map((l) => l.toFixed(2)).join(" / ")} before and ${machine.loadAfter.map((l) => l.toFixed(2)).join(" / ")} after the run (1/5/15 min). ` +
			"The load generator, wrangler, workerd (the Worker, every object and D1 in one runtime process) and anything else on the machine share those cores, " +
			"so absolute throughput is far below what Cloudflare's network gives, where the Worker, each object and D1 run on their own machines. " +
			`Node ${machine.node}, ${machine.platform}, open-file limit ${machine.fileLimit}.`,
		"",
		"## How to run",
		"",
		"```sh",
		"npm run bench                     # full run (~20 min): bench/report.md, bench/report.json, bench/report.svg",
		"BENCH_QUICK=1 npm run bench       # smoke sizes (~6 min)",
		"BENCH_TARGETS=runtime BENCH_SCENARIOS=spread,scaling npm run bench   # a subset",
		"```",
		"",
		"All knobs are in `bench/README.md`. Scratch output (CPU profiles, logs, the frozen tree, the bundle) goes to `bench/out/` (git-ignored).",
		"",
		"## What was measured, and how",
		"",
		"**Targets.** Every scenario runs against each target; the `target` column says which.",
		"",
		...described.map((t) => `- \`${t.name}\`: ${t.description}.`),
		`- Both run the same Worker code on the same workerd build (wrangler's own), with RATE_LIMITS off, email sending off (each email is queued, not handed to the local emulator: see the Email section), fresh state (D1 and every object's SQLite) in \`${STATE_ROOT}\` (in memory where the machine has /dev/shm: on this VM's disk, each object's commits flush its own file and that costs more CPU than the service's own work, and swings with the neighbours' I/O; \`BENCH_STATE_DIR\` moves it), and patients whose tokens are minted with the service's secret (a patient booking for themself is not looked up in D1). The patients are returning ones: each has the inbox (User object) registration gives an account before the loads start, and they book in turn (BENCH_PATIENTS of them); one spread row books once as each of as many first-time patients instead, whose every booking also creates its patient's User object. (More patients with 1,000 doctor-days would keep over about 2,600 SQLite objects awake, which makes the local runtime refuse with \`SQLITE_NOMEM\`.) Every booking carries a fresh \`Idempotency-Key\`, as the booking page sends, so it also takes the key path (keys are kept by the day's object).`,
		"- Before the first measured load, each target books a doctor of its own for 10 s, reported nowhere: on a fresh runtime the booking path runs uncompiled at first (the first 6 s of bookings went at a third of the later rate on 2026-12-01). The hops and email services are not warmed: the hops count calls, and the email scenario compares two services started alike.",
		"",
		"**Open loop and closed loop.**",
		"",
		"- `open R/s` rows are **open-loop**: requests leave at a fixed rate R whatever the server does (bench/lib/open-loop.ts), and each latency is measured from the request's *intended* send time, so a slow answer delays no one else's send and queueing is never hidden (no coordinated omission). Use these rows for latency. R is " +
			`BENCH_LOAD_FRACTION (default 0.5) of that target's calibrated booking throughput: closed loop with ${config.calibrationConnections ?? config.connections} clients over the largest spread set, so the service runs at about half load. (Not with 32 clients: those let a busy object batch its deliveries, so each booking costs less than under an open load at that rate, and half of it overloaded the open rows.) Each target's R is in the table below. \`p50/p99 201\` (or \`200\`) are the successful answers alone.`,
		"- `closed N conn` rows are **closed-loop** (autocannon, N connections, each sending its next request when the previous is answered): use them for throughput (`answers/s`). Their latencies are what those N clients saw and understate a queue.",
		"- Why not autocannon's `overallRate` for the open-loop rows: in autocannon 9 it is a per-connection budget per second (each connection fires its share back-to-back, then waits for the next second, lib/httpClient.js), and its coordinated-omission correction records with an expected interval of `Math.ceil(1 / rate)`, i.e. 1 ms whatever the rate (lib/run.js), which fills the histogram with made-up low values rather than correcting it. So the open-loop rows use the generator above.",
		"- All latencies are in milliseconds and measured in the load-generating process (a separate process from the service).",
		"- `service CPU ms/answer`: CPU time the service's processes (wrangler and its workerds, or the Miniflare runtime) spent per answer, from /proc, from the load's start until the service went idle after it: so it holds what the load left for after its answers (event deliveries to D1, the Doctor object, the inboxes) and none of the previous step's. Unlike throughput and latency it does not suffer much when other processes take the cores, so it is the number to compare across rows, targets and runs. Locally the Worker, every object and D1 share one workerd thread, so its inverse is roughly the local throughput ceiling.",
		`- \`CPU ours / others\`: cores' worth of CPU used on average during that load by the bench and the service (this process and every process it started) / by every other process on the machine. A row with \`others\` above ~0.3 was disturbed by someone else's work; before each load the generator waits up to BENCH_QUIET_WAIT_S (${config.quietWaitS} s) for the others to drop below 0.3 cores and the service to go idle (below 0.05 cores: the previous step's deliveries done), and it waited ${fmt(report.quietWaitS, 0)} s in all this run.`,
		"- **One thread.** Locally, workerd runs the Worker and every Durable Object of this script in one isolate, on one thread; D1 is another object in the same process. So the local ceiling is about one core divided by the CPU one request costs (the profile below gives it), whatever the number of doctor-days, and distinct doctor-days cannot run in parallel here as they do in production, where every object gets its own thread on some machine.",
		"",
	);
	if (report.targets.length > 0)
		push(
			"| target | started in | fixtures in | calibrated booking throughput | open-loop booking rate R | wrangler reloads during run | wrangler debug log written | target total |",
			"|---|---:|---:|---:|---:|---:|---:|---:|",
			...report.targets.map(
				(t) =>
					`| ${t.name} | ${fmt(t.startS)} s | ${fmt(t.fixturesS)} s | ${fmt(t.calibration)}/s | ${fmt(t.rate, 0)}/s | ${t.reloads} | ${t.name === "dev" ? `${fmt(t.devLogMB)} MB` : "–"} | ${fmt(t.seconds)} s |`,
			),
			"",
		);
	push(
		"Days are 09:00–17:00 UTC in 30-minute slots (16 slots), every day of the week; bookings pick a uniformly random slot (and day).",
		"",
	);

	if (report.paths.length > 0) push(...targetsSection(report));
	if ((report.hops ?? []).length > 0) push(...hopsSections(report.hops ?? []));
	if (report.paths.length > 0) {
		push(
			"## 0. Request paths: what wrangler's dev proxy costs",
			"",
			"Closed-loop, the same requests through each way in. `Worker only` is a 404 from the Worker (routing and middleware, no storage); `D1 read` one D1 query; `day availability` one object call (the doctor's routing record is cached in the Worker); `booking` the whole booking path (one call to the day's object, its transaction; the event delivery to D1 and the doctor's object follows the answer).",
			"",
			"| target | way in | request | conn | answers/s | p50 ms | p99 ms | throughput vs runtime | service CPU ms/answer | CPU ours / others |",
			"|---|---|---|---:|---:|---:|---:|---:|---:|---|",
			...report.paths.map((r) => {
				const runtime = report.paths.find((p) => p.target === "runtime" && p.request === r.request);
				return `| ${r.target} | ${r.path} | ${r.request} | ${r.connections} | ${fmt(r.throughput)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.target === "runtime" ? "1.00×" : ratio(r.throughput, runtime?.throughput)} | ${fmt(serviceCpuPerAnswer(r.cpu, r.n), 2)} | ${cpu(r.cpu)} |`;
			}),
			"",
		);
	}
	if (report.contended.length > 0) {
		push(
			"## 1. Contended booking: one doctor-day",
			"",
			"Patients race for the 16 slots of one doctor-day (each request a different patient, a random slot). With capacity 1 the day has 16 places, with 15 it has 240; everything after that is a 409 `SLOT_FULL` with alternatives (the day's own, and the next days' from the doctor's object when the day has fewer than five). Each load uses a fresh day.",
			"",
			loadTable(report.contended, "capacity", "201"),
			"",
			CLOSED_NOTES,
			"",
		);
	}
	if (report.spread.length > 0) {
		push(
			"## 2. Spread booking: 1, 100 and 1,000 doctor-days",
			"",
			"The same booking load spread uniformly over N doctor-days (capacity 15; the 1-day baseline has capacity 1000 so nothing is refused). Objects were touched once before the load. Locally every object shares the one isolate thread (see above), so spreading cannot add throughput here; what this shows is that one doctor-day is not a bottleneck of its own at these rates, and what spreading costs per booking (`service CPU ms/answer`): a busy single object batches its event deliveries (one delivery run at a time per object, draining everything committed meanwhile), while spread bookings each pay their own D1 projection write and call to the doctor's object, and each object has its own SQLite database. The first row is the open rows' floor: a request that reaches no object (a Worker-only 404) at the same rate. On this VM a request's CPU grows as the rate falls, because each wake-up of the idle runtime costs milliseconds of its own (a 404 measured 5.9 ms of workerd CPU at 20/s, 2.4 ms at 100/s, 1.4 ms at 400/s and 0.8 ms at saturation on 2026-12-01), so an open row's CPU per answer is to be read against it, and the closed rows' against the paths table's saturated 404.",
			"",
			loadTable(report.spread, "doctor-days", "201"),
			"",
			CLOSED_NOTES,
			"",
		);
		const byTarget = new Map<string, LoadRow[]>();
		for (const r of report.spread.filter((r) => r.mode === "closed")) {
			byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
		}
		for (const [target, rows] of byTarget) {
			const base = rows[0]?.throughput;
			push(
				`Closed-loop throughput relative to 1 doctor-day (${target}): ${rows.map((r) => `${r.label} ${ratio(r.throughput, base)}`).join(", ")}.`,
				"",
			);
		}
	}
	if (report.reads.length > 0) {
		push(
			"## 3. Availability reads",
			"",
			"`one day` is `GET /api/doctors/:id/availability/date/:date`, `31 days` is `GET /api/doctors/:id/availability?from&to` (one call to the doctor's object). **Cold**: the service was restarted first, so each request is the first touch of its objects (started from storage), sent slowly (open loop at a low rate, each on distinct objects; n is small for ranges, so its p99 is its max). **Warm**: the same requests again; the open-loop rate is BENCH_LOAD_FRACTION of the closed-loop throughput measured just before.",
			"",
			loadTable(report.reads, "read", "200"),
			"",
		);
	}
	if (report.fanout.length > 0) {
		push(
			"## 4. Live fan-out",
			"",
			"N WebSocket watchers (the `ws` package, one Node process, each with its own client address: a day takes at most 20 sockets per address and 2,000 in all) on one doctor-day's `/live` endpoint; then one booking, repeated per trial. Latency per watcher and trial = the time the watcher's process received the update − the time the booking request was sent, so it includes the booking's own path up to the commit and the client's own time to process N messages one after another. `all hold it` is when the last watcher had it (p50 over trials).",
			"",
			"| target | watchers | connect all | trials | p50 ms | p90 ms | p99 ms | max ms | all hold it (p50) ms | booking answered (p50) ms | booking statuses | missing updates |",
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
			...report.fanout.map(
				(r) =>
					`| ${r.target} | ${r.watchers}${r.watchers < r.requested ? ` (of ${r.requested}: ${r.failed > 0 ? `${r.failed} connections failed 3 times` : "fd limit"})` : ""} | ${fmt(r.connectS)} s | ${r.trials} | ${ms(r.latency.p50)} | ${ms(r.latency.p90)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${r.latency.n > 0 ? ms(r.allHeldP50) : "–"} | ${ms(r.bookingP50)} | ${statuses(r.bookingStatuses)} | ${r.missing} |`,
			),
			"",
		);
		if (report.fanout.some((r) => r.target === "dev" && r.failed > 0))
			push(
				"Through `dev`, wrangler's dev proxy (a ProxyWorker in its own workerd that forwards every request and socket) stops accepting WebSockets at a few thousand and then leaves requests unanswered, so the booking of those trials got no answer and no watcher an update (`missing` counts every watcher of every such trial). The service itself is the `runtime` rows, where every watcher got every update.",
				"",
			);
	}
	if ((report.holds ?? []).length > 0) push(...holdsSections(report.holds ?? []));
	if ((report.deliveries ?? []).length > 0) push(...deliverySections(report.deliveries ?? []));
	if ((report.webhooks ?? []).length > 0) push(...webhookSections(report.webhooks ?? []));
	if ((report.email ?? []).length > 0) push(...emailSections(report.email ?? []));
	if (report.scaling.length > 0) {
		push(
			"## 5. Scaling curve",
			"",
			`Closed-loop bookings over the largest spread set as concurrency doubles, ${config.scalingStepS} s per step. Latencies here are closed-loop (what N clients saw).`,
			"",
		);
		if (chartFile) push(`![throughput and p99 against concurrency](${chartFile})`, "");
		push(
			"| target | clients | answers/s | p50 ms | p99 ms | statuses | service CPU ms/answer | CPU ours / others | last 201 listed after ms | slowest 1% of 201s ms (outside the handler) | check |",
			"|---|---:|---:|---:|---:|---|---:|---|---:|---:|---|",
			...report.scaling.map(
				(r) =>
					`| ${r.target} | ${r.label} | ${fmt(r.throughput)} | ${ms(r.p50)} | ${ms(r.p99)} | ${statuses(r.statuses, r.errorKinds)} | ${fmt(serviceCpuPerAnswer(r.cpu, r.n), 2)} | ${cpu(r.cpu)} | ${listed(r)} | ${slowest(r)} | ${check(r.verification)} |`,
			),
			"",
		);
		if (report.scaling.some((r) => r.target === "dev"))
			push(
				"Locally every request and object shares one workerd thread, so throughput is flat from a few clients on and latency grows with the queue (the runtime rows). Through `dev`, wrangler's dev proxy is the bottleneck: under many connections it resets some of them, which the closed-loop clients re-send at once, so its unanswered attempts (the check's `+≤ unanswered`) pile up; some of them did book (their answer was lost), which the check allows for and no more.",
				"",
			);
	}
	const verified = [...report.contended, ...report.spread, ...report.scaling].filter((r) => r.verification);
	if (verified.length > 0) {
		const failures = verified.filter((r) => !r.verification?.ok);
		const acked = verified.reduce((n, r) => n + (r.verification?.readBack ?? 0), 0);
		push(
			"## Correctness",
			"",
			"After each booking load the bench reads every day back (`GET …/availability/date/:date`) and every 201 (`GET /api/appointments/:id`, as admin). A check passes when no slot holds more than its capacity, each day holds exactly its acknowledged bookings (at most its unanswered attempts more), and every 201 reads back as a confirmed appointment of that doctor-day.",
			"",
			failures.length === 0
				? `**All ${verified.length} checks passed**; ${acked} acknowledged bookings read back.`
				: `**${failures.length} of ${verified.length} checks FAILED**: ${failures.map((r) => `${r.target} ${r.scenario} ${r.label}: ${check(r.verification)}`).join("; ")}.`,
			"",
		);
	}
	for (const p of report.profile) {
		push(
			`## Profile: where the booking path spends CPU (${p.target})`,
			"",
			`A V8 CPU profile of the Worker's isolate (the Worker, DoctorDay and Doctor share it in workerd; D1 runs in another) during closed-loop bookings over the largest spread set, ${p.load.connections} connections: ${fmt(p.load.throughput)} bookings/s under the profiler, isolate busy ${fmt((p.busyMs / (p.busyMs + p.idleMs)) * 100, 0)}% of the sampled time, **${fmt(p.cpuPerRequestMs, 2)} ms of isolate CPU per booking** (service processes: ${fmt(serviceCpuPerAnswer(p.load.cpu, p.load.n), 2)} ms per booking from /proc; other processes used ${fmt(p.load.cpu.others, 1)} cores meanwhile${p.gapMs > 0 ? `, and the sampler missed ${fmt(p.gapMs, 0)} ms, left out` : ""}). The raw profile (open it in Chrome DevTools → Performance) is \`${p.file}\`. Self time, by area:`,
			"",
			"| area | self ms | share |",
			"|---|---:|---:|",
			...p.byArea.map((r) => `| ${r.name} | ${fmt(r.selfMs, 0)} | ${fmt(r.share * 100)}% |`),
			"",
			...placeTable(p),
			"Top functions by self time (module and bundle line):",
			"",
			"| function | self ms | share |",
			"|---|---:|---:|",
			...p.byFunction
				.slice(0, 20)
				.map((r) => `| \`${r.name}\` | ${fmt(r.selfMs, 0)} | ${fmt(r.share * 100)}% |`),
			"",
			"Inclusive time of selected functions (a sample counts when the function is anywhere on the stack; for an async function that covers its own segments between awaits and what they call, not the awaited I/O). `appointments.ts#(anonymous)` is the booking route's handler:",
			"",
			"| function | inclusive ms | share |",
			"|---|---:|---:|",
			...p.inclusive.map((r) => `| \`${r.name}\` | ${fmt(r.selfMs, 0)} | ${fmt(r.share * 100)}% |`),
			"",
		);
	}
	if (report.errors.length > 0) {
		push("## Errors during the run", "", ...report.errors.map((e) => `- ${e.split("\n")[0]}`), "");
	}
	return `${lines.join("\n")}\n`;
}

/**
 * The isolate's CPU per booking by where it runs: before the answer (the Worker, the day object) or after it.
 * Deployed, the User and Doctor objects run elsewhere; locally they share the Worker's thread.
 */
function placeTable(p: ProfileResult): string[] {
	if (p.byPlace === undefined) return [];
	const bookings = Math.max(1, p.load.n);
	const before = p.byPlace.filter((r) => r.name.startsWith("before")).reduce((sum, r) => sum + r.selfMs, 0);
	return [
		`By where it runs, per booking answered (${p.load.n}; a refused booking is answered and notifies no one). Before the answer: **${fmt(before / bookings, 2)} ms**; the rest follows the answer, or is the runtime's own:`,
		"",
		"| where | ms per booking | share |",
		"|---|---:|---:|",
		...p.byPlace.map((r) => `| ${r.name} | ${fmt(r.selfMs / bookings, 2)} | ${fmt(r.share * 100)}% |`),
		"",
	];
}
