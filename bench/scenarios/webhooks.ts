// Webhook throughput with a flaky receiver: a receiver in this process answers 500 to every other POST it
// gets; N bookings on a doctor with a webhook for appointment.booked; how fast the deliveries arrive, how
// many attempts each event took, and whether every event arrived (signed) at least once.
//
// The queue retries after 2 s, 4 s, 8 s, … (src/core/webhooks.ts) and dead-letters after 8 attempts, so a
// strict alternation could, by chance, refuse one event 8 times and the run would wait minutes for its
// retries: the receiver accepts a delivery it already refused 3 times (at most 2 + 4 + 8 s of backoff).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { inDays, mapLimit } from "../../test-e2e/client";
import { bookingRequest } from "../lib/booking";
import type { RunContext } from "../lib/context";
import { api, createDoctors, type DoctorDay, SLOTS_PER_DAY } from "../lib/fixtures";
import { type LatencySummary, summarize } from "../lib/stats";

/** A delivery refused this many times is accepted at its next attempt. */
const MAX_REFUSALS = 3;
const BOOKING_CLIENTS = 8;
const CAPACITY = 1000;

export interface WebhookResult {
	target: string;
	/** Bookings acknowledged (201): the events that must arrive. */
	events: number;
	bookingStatuses: Record<string, number>;
	/** From the first booking sent to the last answered (s). */
	bookingS: number;
	/** POSTs the receiver got, and how many it answered 500. */
	posts: number;
	refused: number;
	/** Events whose first attempt arrived; from the first POST to the last event's first attempt (s). */
	firstAttempts: number;
	firstAttemptsS: number;
	/** Events accepted at least once; from the first booking sent to the last event's acceptance (s). */
	delivered: number;
	allDeliveredS: number;
	/** Events by the attempt at which they were accepted ("1", "2", …). */
	attempts: Record<string, number>;
	/** Accepted again after an earlier acceptance (the receiver dedupes them by id). */
	duplicates: number;
	/** Accepted POSTs whose Docslot-Signature did not verify. */
	badSignatures: number;
	/** Accepted events that are no booking of this run, and bodies that were no delivery at all. */
	unexpected: number;
	malformed: number;
	/** Booking answered → its first attempt arrived (ms). */
	firstAttemptDelay: LatencySummary;
	/** Booking answered → accepted (ms). */
	deliveryDelay: LatencySummary;
	waitedS: number;
	ok: boolean;
}

interface Event {
	/** performance.now() of the first POST, and of the accepted one. */
	firstAt: number;
	acceptedAt: number | null;
	posts: number;
	refusals: number;
	acceptedAttempt: number | null;
}

function signed(secret: string, body: string, header: string): boolean {
	const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (match === null) return false;
	const expected = createHmac("sha256", secret).update(`${match[1]}.${body}`).digest();
	return timingSafeEqual(expected, Buffer.from(match[2] ?? "", "hex"));
}

export async function webhooks(ctx: RunContext): Promise<WebhookResult> {
	/** By appointment id. */
	const events = new Map<string, Event>();
	let secret = "";
	let posts = 0;
	let refused = 0;
	let duplicates = 0;
	let badSignatures = 0;
	let malformed = 0;
	let firstPost = Number.NaN;
	let onAccepted: () => void = () => {};
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const at = performance.now();
			if (Number.isNaN(firstPost)) firstPost = at;
			const body = Buffer.concat(chunks).toString("utf8");
			let id: string;
			try {
				id = (JSON.parse(body) as { data: { appointment: { id: string } } }).data.appointment.id;
			} catch {
				malformed++;
				res.writeHead(400).end();
				return;
			}
			const event = events.get(id) ?? {
				firstAt: at,
				acceptedAt: null,
				posts: 0,
				refusals: 0,
				acceptedAttempt: null,
			};
			events.set(id, event);
			event.posts++;
			if (++posts % 2 === 0 && event.refusals < MAX_REFUSALS) {
				refused++;
				event.refusals++;
				res.writeHead(500).end();
				return;
			}
			if (!signed(secret, body, String(req.headers["docslot-signature"]))) badSignatures++;
			if (event.acceptedAt === null) {
				event.acceptedAt = at;
				event.acceptedAttempt = event.posts;
				onAccepted();
			} else duplicates++;
			res.writeHead(204).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	try {
		const [doctor] = await createDoctors(ctx.target, 1, CAPACITY);
		if (doctor === undefined) throw new Error("could not create the webhook doctor");
		const { port } = server.address() as AddressInfo;
		const created = await api(ctx.target.baseUrl, "POST", "/api/webhooks", {
			token: ctx.target.adminToken,
			body: { url: `http://127.0.0.1:${port}/hook`, events: ["appointment.booked"], doctor_id: doctor.id },
		});
		if (created.status !== 201)
			throw new Error(`POST /api/webhooks: ${created.status} ${JSON.stringify(created.body)}`);
		secret = created.body.webhook.secret as string;

		const day: DoctorDay = { doctorId: doctor.id, date: inDays(1), capacity: CAPACITY };
		const booked = new Map<string, number>();
		const bookingStatuses: Record<string, number> = {};
		const started = performance.now();
		await mapLimit(ctx.config.webhookBookings, BOOKING_CLIENTS, async (i) => {
			const request = bookingRequest(day, i % SLOTS_PER_DAY, ctx.nextPatient());
			let status = 0;
			try {
				// With an Idempotency-Key a dropped booking may be sent again.
				const call = await api(ctx.target.baseUrl, "POST", request.path, {
					headers: request.headers,
					body: JSON.parse(request.body ?? "{}"),
				});
				status = call.status;
				if (status === 201) booked.set(call.body.appointment.id as string, performance.now());
			} catch {}
			bookingStatuses[status] = (bookingStatuses[status] ?? 0) + 1;
		});
		const bookingS = (performance.now() - started) / 1000;
		ctx.log(`webhooks: ${booked.size} bookings in ${bookingS.toFixed(1)} s; waiting for their deliveries`);

		const allAccepted = () => [...booked.keys()].every((id) => events.get(id)?.acceptedAt != null);
		const waitStarted = performance.now();
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ctx.config.webhookWaitS * 1000);
			onAccepted = () => {
				if (!allAccepted()) return;
				clearTimeout(timer);
				resolve();
			};
			onAccepted();
		});
		const waitedS = (performance.now() - waitStarted) / 1000;

		const ours = [...booked.keys()].map((id) => ({
			id,
			answeredAt: booked.get(id) as number,
			event: events.get(id),
		}));
		const seen = ours.filter((o) => o.event !== undefined);
		const accepted = seen.filter((o) => o.event?.acceptedAt != null);
		const attempts: Record<string, number> = {};
		for (const o of accepted) {
			const k = String(o.event?.acceptedAttempt);
			attempts[k] = (attempts[k] ?? 0) + 1;
		}
		const latest = (values: number[]) => (values.length === 0 ? Number.NaN : Math.max(...values));
		const lastFirst = latest(seen.map((o) => o.event?.firstAt as number));
		const lastAccepted = latest(accepted.map((o) => o.event?.acceptedAt as number));
		const unexpected = [...events.entries()].filter(
			([id, e]) => e.acceptedAt !== null && !booked.has(id),
		).length;
		const result: WebhookResult = {
			target: ctx.target.name,
			events: booked.size,
			bookingStatuses,
			bookingS,
			posts,
			refused,
			firstAttempts: seen.length,
			firstAttemptsS: (lastFirst - firstPost) / 1000,
			delivered: accepted.length,
			allDeliveredS: (lastAccepted - started) / 1000,
			attempts,
			duplicates,
			badSignatures,
			unexpected,
			malformed,
			firstAttemptDelay: summarize(seen.map((o) => (o.event?.firstAt as number) - o.answeredAt)),
			deliveryDelay: summarize(accepted.map((o) => (o.event?.acceptedAt as number) - o.answeredAt)),
			waitedS,
			ok: accepted.length === booked.size && badSignatures === 0 && unexpected === 0 && malformed === 0,
		};
		ctx.log(
			`webhooks: ${result.delivered} of ${result.events} events accepted, ${posts} POSTs (${refused} refused), first attempts ${(result.firstAttempts / result.firstAttemptsS).toFixed(1)}/s, all delivered ${result.allDeliveredS.toFixed(1)} s after the first booking; attempts ${JSON.stringify(attempts)}${result.ok ? "" : " — CHECK FAILED"}`,
		);
		return result;
	} finally {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
}
