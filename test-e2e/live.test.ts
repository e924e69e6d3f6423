// Live availability against the real service, with real WebSocket clients (ws) and the browser client module.
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { watchDay, watchDoctor } from "../public/live.js";
import { api, at, createDoctor, inDays, registerPatients, wsUrl } from "./client";

const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };
const livePath = (doctorId: string, date: string) =>
	`/api/doctors/${doctorId}/availability/date/${date}/live`;

/**
 * A socket whose JSON messages can be awaited in order, each wait bounded. `client` is the address it
 * claims (locally wrangler passes CF-Connecting-IP through): a day takes at most 20 sockets per address.
 */
function openWatcher(url: string, client = "127.0.0.1") {
	const ws = new WebSocket(url, { headers: { "cf-connecting-ip": client } });
	const queue: unknown[] = [];
	const waiters: Array<(m: unknown) => void> = [];
	ws.on("message", (data) => {
		const message = JSON.parse(String(data));
		const waiter = waiters.shift();
		if (waiter) waiter(message);
		else queue.push(message);
	});
	// biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON the protocol defines
	const next = (timeoutMs = 15_000): Promise<any> =>
		queue.length > 0
			? Promise.resolve(queue.shift())
			: new Promise((resolve, reject) => {
					const timer = setTimeout(() => reject(new Error("no message in time")), timeoutMs);
					waiters.push((m) => {
						clearTimeout(timer);
						resolve(m);
					});
				});
	return { ws, next };
}

describe("live availability over real sockets", () => {
	it("delivers one booking's update to each of 200 sockets on one doctor-day", async () => {
		const doctor = await createDoctor(ctx, { capacity: 3 });
		const [patient] = await registerPatients(ctx, 1);
		const date = inDays(2);
		const watchers = Array.from({ length: 200 }, (_, i) =>
			openWatcher(wsUrl(ctx.baseUrl, livePath(doctor.id, date)), `198.51.100.${i}`),
		);
		const snapshots = await Promise.all(watchers.map((w) => w.next()));
		expect(snapshots.every((s) => s.type === "snapshot" && s.total_slots === 16)).toBe(true);

		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient?.token,
			body: { doctor_id: doctor.id, start: at(date, "13:00") },
		});
		expect(booked.status).toBe(201);
		const updates = await Promise.all(watchers.map((w) => w.next()));
		for (const [i, update] of updates.entries()) {
			expect(update).toMatchObject({ type: "update", version: (snapshots[i]?.version ?? 0) + 1 });
			expect(update.slots).toEqual([
				expect.objectContaining({ start: at(date, "13:00"), booked: 1, remaining: 2 }),
			]);
		}
		for (const w of watchers) w.ws.close();
	});

	it("re-syncs a dropped page from a fresh snapshot holding everything it missed", async () => {
		const doctor = await createDoctor(ctx);
		const [first, second] = await registerPatients(ctx, 2);
		const date = inDays(3);
		const g = globalThis as { WebSocket?: unknown };
		g.WebSocket = WebSocket; // the module is written for browsers; ws speaks the same API
		const days: Array<{ version: number; slots: Array<{ start: string; status: string }> }> = [];
		const statuses: string[] = [];
		const lost: string[] = [];
		const page = watchDay({
			base: ctx.baseUrl,
			doctorId: doctor.id,
			date,
			onDay: (day: (typeof days)[number]) => days.push(day),
			onStatus: (status: string) => statuses.push(status),
			onSelectionLost: (start: string, why: string) => lost.push(`${start} ${why}`),
		});
		await until(() => days.length === 1);
		page.select(at(date, "10:00"));

		page.reconnect();
		await until(() => statuses.at(-1) === "closed");
		for (const [patient, time] of [
			[first, "10:00"],
			[second, "11:00"],
		] as const) {
			const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
				token: patient?.token,
				body: { doctor_id: doctor.id, start: at(date, time) },
			});
			expect(booked.status).toBe(201);
		}
		await until(() => days.some((d) => d.version >= (days[0]?.version ?? 0) + 2));
		const latest = days.at(-1);
		const statusAt = (time: string) => latest?.slots.find((s) => s.start === at(date, time))?.status;
		expect([statusAt("10:00"), statusAt("11:00")]).toEqual(["full", "full"]);
		expect(statuses.filter((s) => s === "open").length).toBeGreaterThanOrEqual(2);
		expect(lost).toEqual([`${at(date, "10:00")} taken`]);
		page.close();
	});
});

describe("the doctor's feed over real sockets", () => {
	it("is opened with a fresh single-use ticket on every (re)connect, never with a token", async () => {
		const doctor = await createDoctor(ctx);
		const [patient] = await registerPatients(ctx, 1);
		const feed = `/api/doctors/${doctor.id}/live`;
		// Refused before the upgrade is looked at, so a plain request shows it.
		const byToken = await api(ctx.baseUrl, "GET", `${feed}?token=${doctor.token}`);
		expect([byToken.status, byToken.body.error.code]).toEqual([401, "UNAUTHORIZED"]);

		const g = globalThis as { WebSocket?: unknown };
		g.WebSocket = WebSocket; // the module is written for browsers; ws speaks the same API
		const messages: Array<{ type: string; appointment?: { id: string } }> = [];
		const statuses: string[] = [];
		const page = watchDoctor({
			base: ctx.baseUrl,
			doctorId: doctor.id,
			token: doctor.token,
			onMessage: (message: (typeof messages)[number]) => messages.push(message),
			onStatus: (status: string) => statuses.push(status),
		});
		await until(() => messages.length === 1);
		page.reconnect();
		await until(() => messages.filter((m) => m.type === "hello").length === 2);
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient?.token,
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);
		await until(() => messages.some((m) => m.appointment?.id === booked.body.appointment.id));
		expect(statuses.filter((s) => s === "open").length).toBe(2);
		page.close();
	});
});

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error("condition not met in time");
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
