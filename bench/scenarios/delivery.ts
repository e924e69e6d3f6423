// Deliveries to open pages, one trial at a time on a quiet service:
// - offers: a patient waits for a full slot with their page open; the slot's holder cancels; how long until
//   the waiting patient's page hears the offer (their /api/me/live `waitlist_offer` notification, which makes
//   the page show it; the day's live socket showing the place held for them is timed too);
// - notifications: a patient books; how long until the doctor's open page hears it (/api/me/live).
import { performance } from "node:perf_hooks";
import { inDays } from "../../test-e2e/client";
import { bookingRequest } from "../lib/booking";
import type { RunContext } from "../lib/context";
import { api, createDoctors, type DoctorDay, loginDoctor, SLOTS_PER_DAY, slotStart } from "../lib/fixtures";
import { daySocket, type LiveMessage, type LiveSocket, meSocket } from "../lib/live";
import { type LatencySummary, summarize } from "../lib/stats";

const DELIVERY_TIMEOUT_MS = 10_000;
const PAUSE_MS = 100;

export interface DeliveryTiming {
	/** What arrived where, e.g. "offer on the waiting patient's /api/me/live". */
	what: string;
	latency: LatencySummary;
	/** Trials in which it did not arrive within the timeout. */
	missing: number;
}

export interface DeliveryResult {
	target: string;
	scenario: "offers" | "notifications";
	trials: number;
	/** The triggering request's own answer (cancel, booking), from the same send time. */
	trigger: { what: string; latency: LatencySummary };
	timings: DeliveryTiming[];
	/** Trials whose set-up failed (listed, not timed). */
	failedSetups: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectStatus(what: string, call: { status: number; body: unknown }, status: number) {
	if (call.status !== status) throw new Error(`${what}: ${call.status} ${JSON.stringify(call.body)}`);
}

/** Time from `sent` to the message, or null when it did not arrive. */
const after = (message: LiveMessage | null, sent: number) => (message === null ? null : message.at - sent);

function timing(what: string, values: Array<number | null>): DeliveryTiming {
	const arrived = values.filter((v): v is number => v !== null);
	return { what, latency: summarize(arrived), missing: values.length - arrived.length };
}

/**
 * Per trial, on a capacity-1 doctor (a fresh slot each): patient A books, patient B joins the slot's
 * waitlist and opens their channel; A cancels; B's channel hears `waitlist_offer`, and the day's socket shows
 * the place held (the offer is a hold for B).
 */
export async function offers(ctx: RunContext): Promise<DeliveryResult> {
	const [doctor] = await createDoctors(ctx.target, 1, 1);
	if (doctor === undefined) throw new Error("could not create the waitlist doctor");
	const base = ctx.target.baseUrl;
	const days = new Map<string, LiveSocket>();
	const cancels: number[] = [];
	const onPage: Array<number | null> = [];
	const onDay: Array<number | null> = [];
	let failedSetups = 0;
	for (let trial = 0; trial < ctx.config.offerTrials; trial++) {
		const day: DoctorDay = {
			doctorId: doctor.id,
			date: inDays(1 + Math.floor(trial / SLOTS_PER_DAY)),
			capacity: 1,
		};
		const slot = trial % SLOTS_PER_DAY;
		const start = slotStart(day.date, slot);
		const [holder, waiting] = [ctx.nextPatient(), ctx.nextPatient()];
		let page: LiveSocket | null = null;
		try {
			let daySock = days.get(day.date);
			if (daySock === undefined) {
				daySock = await daySocket(base, day);
				days.set(day.date, daySock);
			}
			// With an Idempotency-Key a dropped booking may be sent again.
			const request = bookingRequest(day, slot, holder);
			const booked = await api(base, "POST", request.path, {
				headers: request.headers,
				body: JSON.parse(request.body ?? "{}"),
			});
			expectStatus("book", booked, 201);
			const joined = await api(base, "POST", "/api/waitlist", {
				token: waiting.token,
				body: { doctor_id: day.doctorId, date: day.date, start },
			});
			expectStatus("join the waitlist", joined, 201);
			page = await meSocket(base, waiting.token);
			const sent = performance.now();
			const cancelled = await api(base, "POST", `/api/appointments/${booked.body.appointment.id}/cancel`, {
				token: holder.token,
			});
			expectStatus("cancel", cancelled, 200);
			cancels.push(performance.now() - sent);
			const [offer, heldOnDay] = await Promise.all([
				page.waitFor(
					(m) => m.type === "notification" && m.notification?.type === "waitlist_offer",
					sent,
					DELIVERY_TIMEOUT_MS,
				),
				daySock.waitFor(
					(m) =>
						m.type === "update" &&
						(m.slots as Array<{ start: string; held: number }>).some((s) => s.start === start && s.held > 0),
					sent,
					DELIVERY_TIMEOUT_MS,
				),
			]);
			onPage.push(after(offer, sent));
			onDay.push(after(heldOnDay, sent));
		} catch (error) {
			failedSetups++;
			ctx.log(`offers: trial ${trial}: ${String(error)}`);
		} finally {
			page?.close();
		}
		await sleep(PAUSE_MS);
	}
	for (const socket of days.values()) socket.close();
	const result: DeliveryResult = {
		target: ctx.target.name,
		scenario: "offers",
		trials: ctx.config.offerTrials,
		trigger: { what: "cancel answered", latency: summarize(cancels) },
		timings: [
			timing("offer on the waiting patient's /api/me/live (`waitlist_offer`)", onPage),
			timing("place shown held on the day's live socket", onDay),
		],
		failedSetups,
	};
	logResult(ctx, result);
	return result;
}

/** Per trial: a patient books the doctor (a fresh slot each); the doctor's open channel hears it. */
export async function notifications(ctx: RunContext): Promise<DeliveryResult> {
	const capacity = 15;
	const [doctor] = await createDoctors(ctx.target, 1, capacity);
	if (doctor === undefined) throw new Error("could not create the notified doctor");
	const base = ctx.target.baseUrl;
	const channel = await meSocket(base, await loginDoctor(base, doctor));
	const bookings: number[] = [];
	const heard: Array<number | null> = [];
	let failedSetups = 0;
	try {
		for (let trial = 0; trial < ctx.config.notifyTrials; trial++) {
			const day: DoctorDay = {
				doctorId: doctor.id,
				date: inDays(1 + Math.floor(trial / (SLOTS_PER_DAY * capacity))),
				capacity,
			};
			const request = bookingRequest(day, trial % SLOTS_PER_DAY, ctx.nextPatient());
			const sent = performance.now();
			try {
				const booked = await api(base, "POST", request.path, {
					headers: request.headers,
					body: JSON.parse(request.body ?? "{}"),
				});
				expectStatus("book", booked, 201);
				bookings.push(performance.now() - sent);
				const id = booked.body.appointment.id as string;
				const message = await channel.waitFor(
					(m) => m.type === "notification" && m.notification?.appointment_id === id,
					sent,
					DELIVERY_TIMEOUT_MS,
				);
				heard.push(after(message, sent));
			} catch (error) {
				failedSetups++;
				ctx.log(`notifications: trial ${trial}: ${String(error)}`);
			}
			await sleep(PAUSE_MS);
		}
	} finally {
		channel.close();
	}
	const result: DeliveryResult = {
		target: ctx.target.name,
		scenario: "notifications",
		trials: ctx.config.notifyTrials,
		trigger: { what: "booking answered", latency: summarize(bookings) },
		timings: [timing("notification on the doctor's /api/me/live", heard)],
		failedSetups,
	};
	logResult(ctx, result);
	return result;
}

function logResult(ctx: RunContext, result: DeliveryResult) {
	ctx.log(
		`${result.scenario}: ${result.trigger.what} p50 ${result.trigger.latency.p50.toFixed(0)} ms; ${result.timings
			.map(
				(t) =>
					`${t.what}: p50 ${t.latency.p50.toFixed(0)} / p99 ${t.latency.p99.toFixed(0)} ms, missing ${t.missing}`,
			)
			.join("; ")}${result.failedSetups > 0 ? `; ${result.failedSetups} trials failed` : ""}`,
	);
}
