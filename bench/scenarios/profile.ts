// A CPU profile of the Worker's isolate (Worker, DoctorDay and Doctor run in one isolate in workerd)
// under a booking-heavy closed-loop load, summarised by area, module and function. Runtime target only:
// wrangler dev keeps its own inspector session on the dev runtime.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { closedRow, type LoadRow, type RunContext } from "../lib/context";
import { type ProfileRow, startProfile, summarizeProfile } from "../lib/profiler";
import { OUT } from "../lib/server";
import { closedBooking, largestSpread } from "./booking";

export interface ProfileResult {
	target: string;
	load: LoadRow;
	file: string;
	busyMs: number;
	idleMs: number;
	/** Time the sampler missed (the machine was overloaded), left out of the shares. */
	gapMs: number;
	/** CPU time per booking answered (ms), profiler overhead included. */
	cpuPerRequestMs: number;
	byArea: ProfileRow[];
	/** Isolate CPU by where it runs (placeOf). */
	byPlace?: ProfileRow[];
	byModule: ProfileRow[];
	byFunction: ProfileRow[];
	inclusive: ProfileRow[];
}

/** Where a profile row's module belongs, for the summary by area. */
export function areaOf(module: string): string {
	if (module.startsWith("src/core/")) return "booking rules and slots (src/core)";
	if (["src/doctor-day/", "src/doctor/", "src/events/"].some((dir) => module.startsWith(dir)))
		return "object code (src/doctor-day, src/doctor, src/events)";
	if (module.startsWith("src/api/") || module.startsWith("src/lib/") || module === "src/index.ts")
		return "Worker code (src/api)";
	if (module.startsWith("src/db/") || module === "node_modules/drizzle-orm")
		return "drizzle-orm (query building)";
	if (module.includes("d1-api")) return "D1 binding (JS side)";
	if (module === "node_modules/hono" || module.startsWith("node_modules/@hono"))
		return "Hono (routing, middleware)";
	if (module === "node_modules/zod" || module.startsWith("node_modules/@asteasolutions"))
		return "zod (validation)";
	if (["exec", "one", "toArray", "next", "raw", "transactionSync", "setAlarm", "getAlarm"].includes(module))
		return "object storage (SQLite calls)";
	if (module === "(garbage collector)") return "garbage collector";
	if (module === "(program)") return "(program): runtime outside JS";
	if (module.startsWith("node_modules/")) return "other packages";
	return "runtime APIs (fetch, RPC, Request/Response, tracing)";
}

/**
 * Where a sample's CPU is spent, by the code on its stack (innermost module first): the booking's own path
 * (the Worker and the day's object until it answers) apart from what follows the answer, which deployed runs
 * in other objects (Doctor, User) or later in the day's object (the event delivery).
 */
export function placeOf(stack: readonly string[]): string {
	const has = (prefix: string) => stack.some((module) => module.startsWith(prefix));
	if (has("src/user/")) return "after: User objects (patients' and doctors' inboxes)";
	if (has("src/doctor/")) return "after: Doctor object (summary, feed, doctors' notifications)";
	if (has("src/room/")) return "after: Room objects";
	if (has("src/events/")) return "after: day object, event delivery to its consumers";
	if (has("src/doctor-day/")) return "before: day object (decision and commit)";
	if (has("src/") || has("node_modules/")) return "before: Worker (routing, auth, validation, the call)";
	return "runtime, not attributable (GC, native work outside JS)";
}

// Functions whose inclusive time the report lists. For an async function it is the time of its own segments
// (each resumption after an await starts a new stack with the function at its root) and their callees.
const INCLUSIVE = [
	"appointments.ts#(anonymous)",
	"doctor-route.ts#doctorRoute",
	"day-calls.ts#bookOnDay",
	"doctor-day.ts#book",
	"doctor-day.ts#commit",
	"appointment-ids.ts#mintAppointmentId",
	"day-decider.ts#decideBook",
	"booking.ts#decideBooking",
	"day-config.ts#scheduledSlots",
	"time.ts#wallClockAt",
	"#bookedCounts",
	"event-log.ts#append",
	"delivery.ts#deliverTo",
	"projection.ts#deliver",
	"doctor-consumer.ts#deliver",
	"auth.ts#actorFromToken",
	"passwords.ts#secretsEqual",
	"booking-log.ts#logBooking",
];

export async function profile(ctx: RunContext): Promise<ProfileResult | null> {
	const { inspectorUrl, bundle } = ctx.target;
	if (inspectorUrl === null || bundle === null) return null;
	const days = largestSpread(ctx);
	const session = await startProfile(inspectorUrl);
	const result = await closedBooking(ctx, ctx.target, days, ctx.config.connections, ctx.config.profileS);
	const cpu = await session.stop();
	const file = path.join(OUT, `profile-${ctx.target.name}.cpuprofile`);
	writeFileSync(file, JSON.stringify(cpu));
	const summary = summarizeProfile(cpu, bundle, INCLUSIVE, placeOf);
	const areas = new Map<string, number>();
	for (const row of summary.byModule)
		areas.set(areaOf(row.name), (areas.get(areaOf(row.name)) ?? 0) + row.selfMs);
	const busyMs = summary.totalMs - summary.idleMs;
	const byArea = [...areas]
		.map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busyMs }))
		.sort((a, b) => b.selfMs - a.selfMs);
	ctx.log(
		`profile: ${result.throughput.toFixed(1)}/s, isolate busy ${((busyMs / summary.totalMs) * 100).toFixed(0)}%`,
	);
	return {
		target: ctx.target.name,
		load: closedRow({ target: ctx.target.name, scenario: "profile", label: "booking, profiled" }, result),
		file: path.relative(path.dirname(OUT), file),
		busyMs,
		idleMs: summary.idleMs,
		gapMs: summary.gapMs,
		cpuPerRequestMs: busyMs / Math.max(1, result.total),
		byArea,
		byPlace: summary.byPlace,
		byModule: summary.byModule.slice(0, 15),
		byFunction: summary.byFunction.slice(0, 25),
		inclusive: summary.inclusive,
	};
}
