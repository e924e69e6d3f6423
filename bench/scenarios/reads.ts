// Availability reads, a single day and a 31-day range, cold (the first touch of each object after a restart
// of the service, so the object is started from its storage) and warm (the same requests again).
import { closedLoop } from "../lib/closed-loop";
import { closedRow, type LoadRow, openRow, type RunContext } from "../lib/context";
import { api } from "../lib/fixtures";
import type { BenchRequest } from "../lib/open-loop";
import { openLoop } from "../lib/open-loop";

export async function reads(ctx: RunContext): Promise<LoadRow[]> {
	const { coldDays, coldRanges } = ctx.fixtures;
	const started = Date.now();
	await ctx.target.restart();
	// The Worker and D1 are running again; the doctor-day objects are not.
	const probe = await api(ctx.target.baseUrl, "GET", "/api/doctors");
	if (probe.status !== 200) throw new Error(`after restart: GET /api/doctors ${probe.status}`);
	ctx.log(`reads: restarted in ${((Date.now() - started) / 1000).toFixed(1)} s`);

	const day = (i: number): BenchRequest => {
		const d = coldDays[i % coldDays.length] as (typeof coldDays)[number];
		return { method: "GET", path: `/api/doctors/${d.doctorId}/availability/date/${d.date}` };
	};
	const range = (i: number): BenchRequest => {
		const r = coldRanges[i % coldRanges.length] as (typeof coldRanges)[number];
		return { method: "GET", path: `/api/doctors/${r.doctorId}/availability?from=${r.from}&to=${r.to}` };
	};
	const rows: LoadRow[] = [];
	const base = (label: string) => ({ target: ctx.target.name, scenario: "reads", label });
	const { coldDayRate, coldRangeRate, stepS, connections, loadFraction } = ctx.config;

	// Cold: each request is the first touch of its objects (1, or 31 for a range), sent slowly.
	const coldDay = await openLoop(ctx.target.baseUrl, {
		rate: coldDayRate,
		durationS: coldDays.length / coldDayRate,
		request: day,
	});
	rows.push(openRow(base("one day, cold"), coldDay, 200));
	const coldRange = await openLoop(ctx.target.baseUrl, {
		rate: coldRangeRate,
		durationS: coldRanges.length / coldRangeRate,
		request: range,
	});
	rows.push(openRow(base("31 days, cold"), coldRange, 200));
	ctx.log(`reads cold: day p50 ${rows[0]?.p50.toFixed(0)} ms, range p50 ${rows[1]?.p50.toFixed(0)} ms`);

	// Warm: the same objects, now running. Throughput first, then an open-loop load at a fraction of it.
	for (const [label, request] of [
		["one day, warm", day],
		["31 days, warm", range],
	] as const) {
		const closed = await closedLoop(ctx.target.baseUrl, { connections, durationS: stepS, request });
		const rate = Math.max(1, Math.round(closed.throughput * loadFraction));
		const open = await openLoop(ctx.target.baseUrl, { rate, durationS: stepS, request });
		rows.push(openRow(base(label), open, 200), closedRow(base(label), closed));
		ctx.log(
			`reads ${label}: ${closed.throughput.toFixed(1)}/s closed, open ${rate}/s p99 ${rows.at(-2)?.p99.toFixed(0)} ms`,
		);
	}
	return rows;
}
