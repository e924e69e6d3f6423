// Junk on the live day channel, property-based, through the Worker: sockets send binary frames, huge
// frames, invalid and hostile JSON, thousands of frames, pings and resyncs, some close with odd codes and
// reasons, and the object may be evicted (hibernating the sockets) in the middle. Afterwards the object is
// not broken: a booking still works, every open socket gets its update (in strictly increasing versions),
// a resync got a snapshot, each ping its pong, and a new socket's snapshot agrees with the HTTP read.
import { env, evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { doctorDay } from "../../src/doctor-day/stub";
import {
	api,
	at,
	bearer,
	createDoctor,
	createPatient,
	doctorFeedPath,
	inDays,
	type TestDoctor,
} from "../helpers";
import { type Inbox, openSocket } from "../live/inbox";
import { runs, timeLimit } from "./scale";

/** A frame as data (so a failing case prints short): text, random bytes, or a large frame made when sent. */
type Frame = { text: string } | { bytes: number[] } | { large: "text" | "binary"; size: number };

const RESYNC = JSON.stringify({ type: "resync" });
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

function payload(frame: Frame): string | Uint8Array {
	if ("text" in frame) return frame.text;
	if ("bytes" in frame) return new Uint8Array(frame.bytes);
	return frame.large === "text" ? "x".repeat(frame.size) : new Uint8Array(frame.size).fill(0xff);
}

const textFrame: fc.Arbitrary<string> = fc.oneof(
	fc.string({ unit: "binary", maxLength: 64 }),
	fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
	fc.constantFrom(
		"",
		"ping",
		"PING",
		" ping",
		"pong",
		"null",
		"{",
		'{"type":',
		'{"type":"resync"',
		'{"type":"RESYNC"}',
		'{"type":["resync"]}',
		'{"type":"resync","extra":1}',
		'{"type":"update","version":999999,"slots":[]}',
		'{"type":"snapshot"}',
		'{"__proto__":{"type":"resync"}}',
		'"resync"',
		"\u0000\u0000",
		"\ud800",
		"\u202e{}",
		nested(400),
		`{"type":"resync","pad":"${"p".repeat(2_000)}"}`,
	),
);

const frame: fc.Arbitrary<Frame> = fc.oneof(
	{ weight: 6, arbitrary: textFrame.map((text) => ({ text })) },
	{ weight: 2, arbitrary: fc.array(fc.nat(255), { maxLength: 64 }).map((bytes) => ({ bytes })) },
	{
		weight: 1,
		arbitrary: fc.record({
			large: fc.constantFrom("text" as const, "binary" as const),
			size: fc.constantFrom(1_025, 65_536, 1_000_000, 4_000_000),
		}),
	},
	{ weight: 2, arbitrary: fc.constant({ text: RESYNC }) },
);

/** The n-th frame of a burst: mostly junk and pings, now and then a resync. */
function burstFrame(n: number): string | Uint8Array {
	if (n % 50 === 49) return RESYNC;
	if (n % 2 === 1) return "ping";
	return n % 4 === 0 ? "{not json" : new Uint8Array([n & 0xff, 0, 0xff]);
}

function burstCount(burst: number, text: string): number {
	return Array.from({ length: burst }, (_, n) => burstFrame(n)).filter((f) => f === text).length;
}

/** What one socket does: a list of frames, maybe a burst of thousands, maybe closing at the end. */
const socketPlan = fc.record({
	frames: fc.array(frame, { maxLength: 12 }),
	burst: fc.oneof(fc.constant(0), fc.integer({ min: 300, max: 2_000 })),
	close: fc.option(
		fc.record({
			code: fc.oneof(fc.constant(1000), fc.integer({ min: 3000, max: 4999 })),
			reason: fc.string({ maxLength: 30 }).map((r) => r.replace(/[\ud800-\udfff]/g, "?")),
		}),
		{ freq: 4 },
	),
});

const scenario = fc.record({
	sockets: fc.array(socketPlan, { minLength: 1, maxLength: 4 }),
	evict: fc.boolean(),
});

/** One doctor-day per run (dates rotate inside the horizon; a new doctor now and then). */
let current: { doctor: TestDoctor; used: number } | undefined;
async function freshDay(): Promise<{ doctor: TestDoctor; date: string }> {
	if (current === undefined || current.used >= 55)
		current = { doctor: await createDoctor({ capacity: 5 }), used: 0 };
	current.used += 1;
	return { doctor: current.doctor, date: inDays(1 + current.used) };
}

/** A socket through the Worker, recording everything it receives. */
class Watcher {
	readonly received: unknown[] = [];
	closed = false;

	private constructor(readonly inbox: Inbox) {}

	static async open(path: string): Promise<Watcher> {
		const watcher = new Watcher(await openSocket(path));
		watcher.inbox.ws.addEventListener("close", () => {
			watcher.closed = true;
		});
		return watcher;
	}

	/** Pulls messages until `done` holds for what has arrived; every wait is bounded. */
	async until(done: (received: unknown[]) => boolean, timeoutMs = 15_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!done(this.received)) {
			const left = deadline - Date.now();
			const message = left > 0 ? await this.inbox.next(left).catch(() => undefined) : undefined;
			if (message === undefined)
				throw new Error(`not all answers within ${timeoutMs} ms: ${summary(this.received)}`);
			this.received.push(message);
		}
	}

	count(type: "pong" | "snapshot" | "update"): number {
		return this.received.filter((m) => (type === "pong" ? m === "pong" : (m as Message)?.type === type))
			.length;
	}
}

type Message = { type?: string; version?: number };

function summary(received: unknown[]): string {
	const kinds = received.map((m) => (m === "pong" ? "pong" : ((m as Message)?.type ?? "?")));
	return JSON.stringify(
		Object.fromEntries([...new Set(kinds)].map((k) => [k, kinds.filter((x) => x === k).length])),
	);
}

/** What a socket's frames ask for: pongs for exact pings; snapshots for exact resyncs, at most one per resync-ish frame. */
function asked(plan: { frames: Frame[]; burst: number }) {
	const texts = plan.frames.flatMap((f) => ("text" in f ? [f.text] : []));
	return {
		pings: texts.filter((f) => f === "ping").length + burstCount(plan.burst, "ping"),
		resyncs: texts.filter((f) => f === RESYNC).length + burstCount(plan.burst, RESYNC),
		resyncish: texts.filter((f) => f.includes("resync")).length + burstCount(plan.burst, RESYNC),
	};
}

describe("junk on the live day channel does not break the object", () => {
	it(
		"every socket still gets the next booking's update after any junk",
		async () => {
			await fc.assert(
				fc.asyncProperty(scenario, async ({ sockets, evict }) => {
					const { doctor, date } = await freshDay();
					const path = `/api/doctors/${doctor.id}/availability/date/${date}/live`;
					const watchers = await Promise.all(sockets.map(() => Watcher.open(path)));
					for (const w of watchers) await w.until(() => w.count("snapshot") === 1);

					sockets.forEach((plan, i) => {
						const ws = (watchers[i] as Watcher).inbox.ws;
						for (const f of plan.frames) ws.send(payload(f));
						for (let n = 0; n < plan.burst; n++) ws.send(burstFrame(n));
					});
					for (const [i, plan] of sockets.entries()) {
						if (plan.close !== null)
							(watchers[i] as Watcher).inbox.ws.close(plan.close.code, plan.close.reason);
					}
					if (evict) await evictDurableObject(doctorDay(env, doctor.id, date)).catch(() => undefined);

					const patient = await createPatient();
					const booked = await api("POST", "/api/appointments", {
						headers: bearer(patient.token),
						body: { doctor_id: doctor.id, start: at(date, "09:00") },
					});
					expect(booked.status, JSON.stringify(booked.body)).toBe(201);
					const day = await api("GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
					expect(day.body.slots[0]).toMatchObject({ booked: 1 });

					// Every open socket gets the booking's update, a pong for each ping, and a snapshot if it asked
					// for one (resyncs are answered at most once per RESYNC_INTERVAL_MS: see test/live/day-live.test.ts).
					const open = watchers.filter((_, i) => sockets[i]?.close === null);
					await Promise.all(
						open.map((w) => {
							const want = asked(sockets[watchers.indexOf(w)] as (typeof sockets)[number]);
							const updated = (received: unknown[]) =>
								received.some(
									(m) => (m as Message)?.type === "update" && (m as Message).version === day.body.version,
								);
							return w.until(
								(received) =>
									updated(received) &&
									w.count("pong") >= want.pings &&
									w.count("snapshot") >= 1 + Math.min(want.resyncs, 1),
							);
						}),
					);
					for (const w of open) {
						const want = asked(sockets[watchers.indexOf(w)] as (typeof sockets)[number]);
						expect(w.count("pong"), "one pong per ping").toBe(want.pings);
						expect(w.count("snapshot"), "a snapshot only when asked").toBeLessThanOrEqual(1 + want.resyncish);
						const versions = w.received
							.filter((m) => (m as Message)?.type === "update")
							.map((m) => (m as Message).version);
						expect(versions, "one update, the booking's").toEqual([day.body.version]);
						expect(w.closed, "the object kept the socket open").toBe(false);
					}
					const fresh = await Watcher.open(path);
					await fresh.until(() => fresh.count("snapshot") === 1);
					expect(fresh.received.at(-1)).toEqual({ type: "snapshot", ...day.body });
					for (const w of [...open, fresh]) w.inbox.close();
				}),
				{ ...runs(8), endOnFailure: true },
			);
		},
		timeLimit(120_000),
	);

	it("the doctor's feed shrugs off the same junk and still brings the next booking to every tab", async () => {
		const doctor = await createDoctor({ capacity: 5 });
		const tabs = await Promise.all(
			[1, 2, 3].map(async () => Watcher.open(await doctorFeedPath(doctor.id, bearer(doctor.token)))),
		);
		for (const tab of tabs) await tab.until(() => tab.received.length === 1);
		const junk = fc.sample(frame, { numRuns: 300, seed: 42 });
		for (const [i, tab] of tabs.entries()) {
			for (const f of junk) tab.inbox.ws.send(payload(f));
			for (let n = 0; n < 500 * (i + 1); n++) tab.inbox.ws.send(burstFrame(n));
		}
		const patient = await createPatient();
		const booked = await api("POST", "/api/appointments", {
			headers: bearer(patient.token),
			body: { doctor_id: doctor.id, start: at(inDays(2), "10:00") },
		});
		expect(booked.status).toBe(201);
		const id = booked.body.appointment.id;
		for (const tab of tabs) {
			await tab.until((received) =>
				received.some((m) => (m as { appointment?: { id?: string } })?.appointment?.id === id),
			);
			expect(tab.closed).toBe(false);
			tab.inbox.close();
		}
	});
});
