// The history check of test/reliability/history.test.ts against the real service: concurrent bookings,
// cancellations and reads over real HTTP connections, the day's log from a real WebSocket, and the same
// checker (checkHistory) asking whether one sequential order explains everything that was answered.
// SOAK_SCALE (set by `npm run test:soak`) runs more and bigger histories.
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { type Counts, checkHistory, type History, type Op } from "../../test/reliability/history";
import {
	allWeek,
	api,
	type Call,
	createDoctor,
	inDays,
	isProxyRestart,
	type Patient,
	registerPatients,
	wsUrl,
} from "../client";

const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };
const SCALE = Math.max(1, Number(process.env.SOAK_SCALE) || 1);
const RUNS = 3 * SCALE;
const TIMES = ["09:00", "09:30", "10:00", "10:30"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countsOf(slots: Array<{ start: string; booked: number }>): Counts {
	return Object.fromEntries(slots.map((s) => [s.start, s.booked]));
}

/** A day socket whose messages are kept in arrival order; a wait that runs out says what the socket saw. */
function watch(path: string) {
	const ws = new WebSocket(wsUrl(ctx.baseUrl, path));
	const messages: Array<{ type: string; version: number; slots: Array<{ start: string; booked: number }> }> =
		[];
	const events: string[] = [];
	ws.on("open", () => events.push("open"));
	ws.on("close", (code, reason) => events.push(`close ${code} ${String(reason)}`));
	ws.on("error", (error) => events.push(`error ${String(error)}`));
	ws.on("message", (data) => messages.push(JSON.parse(String(data))));
	const until = async (what: string, done: () => boolean, timeoutMs = 15_000) => {
		const deadline = Date.now() + timeoutMs;
		while (!done()) {
			if (Date.now() > deadline) {
				const seen = messages.map((m) => `${m.type} ${m.version}`).join(", ");
				throw new Error(
					`socket: no ${what} within ${timeoutMs} ms; events [${events.join(", ")}]; messages [${seen}]`,
				);
			}
			await sleep(10);
		}
	};
	return { ws, messages, events, until };
}

/**
 * One request, or null when no answer came: a network error or timeout, or wrangler dev's proxy answering 503
 * "Your worker restarted mid-request" (it does so under load too). Such a request may or may not have taken
 * effect; the history records it as unanswered.
 */
async function send(
	method: string,
	path: string,
	options: Parameters<typeof api>[3] = {},
): Promise<Call | null> {
	try {
		const call = await api(ctx.baseUrl, method, path, options);
		return isProxyRestart(call) ? null : call;
	} catch {
		return null;
	}
}

/** A random workload: `n` bookings and reads, then cancellations mixed with more bookings and reads. */
function plan(n: number) {
	const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)] as T;
	const phase = (size: number, kinds: readonly string[]) =>
		Array.from({ length: size }, () => ({
			kind: pick(kinds),
			slot: Math.floor(Math.random() * TIMES.length),
			delay: Math.floor(Math.random() * 5),
		}));
	return {
		capacity: 1 + Math.floor(Math.random() * 3),
		booksOnly: phase(n, ["book", "book", "book", "read"]),
		mixed: phase(n, ["book", "book", "cancel", "cancel", "read"]),
	};
}

async function runHistory(patients: Patient[], day: number, size: number): Promise<History> {
	const work = plan(size);
	const doctor = await createDoctor(ctx, {
		capacity: work.capacity,
		horizon_days: 10,
		weekly: allWeek([{ start: "09:00", end: "11:00" }]),
	});
	const date = inDays(day);
	const starts = TIMES.map((t) => new Date(`${date}T${t}:00.000Z`).toISOString());
	const dayPath = `/api/doctors/${doctor.id}/availability/date/${date}`;
	const socket = watch(`${dayPath}/live`);
	await socket.until("snapshot", () => socket.messages.length > 0);
	const snapshot = socket.messages[0] as (typeof socket.messages)[number];
	expect(snapshot.type).toBe("snapshot");

	const ops: Op[] = [];
	let clock = 0;
	const tick = () => ++clock;
	let nextPatient = 0;
	const read = async (wait: number) => {
		await sleep(wait);
		const invoke = tick();
		const call = await send("GET", dayPath);
		const respond = tick();
		if (call === null) return; // a read that got no answer says nothing
		expect(call.status).toBe(200);
		ops.push({
			kind: "read",
			invoke,
			respond,
			version: call.body.version,
			counts: countsOf(call.body.slots),
		});
	};
	const book = async (slot: number, wait: number) => {
		const patient = patients[nextPatient++ % patients.length] as Patient;
		await sleep(wait);
		const invoke = tick();
		const call = await send("POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: starts[slot] },
		});
		const respond = call === null ? Number.POSITIVE_INFINITY : tick();
		const id = call?.status === 201 ? (call.body.appointment.id as string) : undefined;
		ops.push({
			kind: "book",
			slot: starts[slot] as string,
			invoke,
			respond,
			status: call?.status ?? 0,
			patient: patient.id,
			id,
			code: call?.body?.error?.code,
			currentBookings: call?.body?.error?.current_bookings,
		});
		return id === undefined ? null : { id, token: patient.token, slot: starts[slot] as string };
	};

	const made = (
		await Promise.all(
			work.booksOnly.map((p) => (p.kind === "book" ? book(p.slot, p.delay) : read(p.delay).then(() => null))),
		)
	).filter((m) => m !== null);
	const booksOnlyUntil = tick();
	await read(0);
	await Promise.all(
		work.mixed.map(async (p) => {
			if (p.kind === "book") return book(p.slot, p.delay);
			if (p.kind === "read") return read(p.delay);
			const target = made[Math.floor(Math.random() * made.length)];
			if (target === undefined) return null;
			await sleep(p.delay);
			const invoke = tick();
			const call = await send("POST", `/api/appointments/${target.id}/cancel`, { token: target.token });
			const respond = call === null ? Number.POSITIVE_INFINITY : tick();
			ops.push({
				kind: "cancel",
				id: target.id,
				slot: target.slot,
				invoke,
				respond,
				status: call?.status ?? 0,
			});
			return null;
		}),
	);

	const final = await api(ctx.baseUrl, "GET", dayPath);
	await socket.until(`update ${final.body.version}`, () =>
		socket.messages.some((m) => m.type === "update" && m.version >= final.body.version),
	);
	// The log is the socket's: a socket the server closed (a reload of the Worker) would leave gaps in it.
	expect(socket.events, "the live socket stayed open").toEqual(["open"]);
	socket.ws.close();
	const readBack: History["readBack"] = {};
	for (const op of ops) {
		if (op.kind !== "book" || op.id === undefined) continue;
		const call = await api(ctx.baseUrl, "GET", `/api/appointments/${op.id}`, { token: ctx.adminToken });
		readBack[op.id] =
			call.status === 200
				? { status: call.body.appointment.status, start: call.body.appointment.start }
				: null;
	}
	// An unanswered request's appointment reaches the index through the outbox, retried every 5 s: wait
	// (bounded) until the index confirms what the day counts.
	type Listed = { id: string; doctor_id: string; patient_id: string; status: string; start: string };
	const listIndex = async () => {
		const listed = await api(ctx.baseUrl, "GET", `/api/appointments?from=${date}&to=${date}`, {
			token: ctx.adminToken,
		});
		return (listed.body.appointments as Listed[]).filter((a) => a.doctor_id === doctor.id);
	};
	const confirmedAt = (rows: Listed[], slot: string) =>
		rows.filter((a) => a.start === slot && a.status === "confirmed").length;
	let rows = await listIndex();
	for (const deadline = Date.now() + 20_000; Date.now() < deadline; rows = await listIndex()) {
		if (starts.every((slot) => confirmedAt(rows, slot) === (countsOf(final.body.slots)[slot] ?? 0))) break;
		await sleep(250);
	}
	const index: NonNullable<History["index"]> = {};
	for (const a of rows) index[a.id] = { status: a.status, start: a.start, patient: a.patient_id };
	return {
		capacity: work.capacity,
		slots: starts,
		initial: { version: snapshot.version, counts: countsOf(snapshot.slots) },
		log: socket.messages
			.filter((m) => m.type === "update")
			.map((m) => ({ version: m.version, changed: countsOf(m.slots) })),
		ops,
		final: { version: final.body.version, counts: countsOf(final.body.slots) },
		readBack,
		index,
		booksOnlyUntil,
	};
}

describe("a concurrent history over real HTTP is explained by one sequential order", () => {
	it(
		"books, cancels and reads on one doctor-day at a time",
		async () => {
			const size = Math.min(120, 30 * Math.ceil(Math.sqrt(SCALE)));
			const patients = await registerPatients(ctx, 2 * size, 8);
			for (let run = 0; run < RUNS; run++) {
				const history = await runHistory(patients, 1 + (run % 9), size);
				const unanswered = history.ops.filter((o) => o.kind !== "read" && o.status === 0).length;
				if (unanswered > 0) console.log(`[history] run ${run}: ${unanswered} requests got no answer`);
				const problems = checkHistory(history);
				expect(problems, JSON.stringify(history).slice(0, 4000)).toEqual([]);
			}
		},
		120_000 * SCALE,
	);
});
