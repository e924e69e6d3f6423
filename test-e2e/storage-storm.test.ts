// Anonymous reads of days that cannot exist leave the service's storage untouched: against a real
// `wrangler dev` with its own state directory, a storm of reads of impossible dates, unknown doctors,
// forged appointment ids and socket upgrades creates no Durable Object: the set of object databases is the
// same before and after. (Their -wal/-shm files come and go as the runtime opens and closes databases.)
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { api, at, createDoctor, inDays, mapLimit, registerPatients, wsUrl } from "./client";
import { startServer, type TestServer } from "./server";

let server: TestServer | undefined;
afterAll(async () => server?.dispose());

/** The Durable Objects' databases under the state directory: one file per object that was ever created. */
function objectFiles(persistDir: string): string[] {
	const files: string[] = [];
	const walk = (dir: string) => {
		if (!fs.existsSync(dir)) return;
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name.endsWith(".sqlite") && entry.name !== "metadata.sqlite") {
				files.push(path.relative(persistDir, full));
			}
		}
	};
	walk(path.join(persistDir, "v3", "do"));
	return files.sort();
}

/** The status a WebSocket upgrade is refused with (a real upgrade request, as a browser sends it). */
function refusedUpgrade(url: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const socket = new WebSocket(url);
		const timer = setTimeout(() => reject(new Error(`no answer to the upgrade of ${url}`)), 15_000);
		socket.on("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			resolve(response.statusCode ?? 0);
			socket.terminate();
		});
		socket.on("open", () => {
			clearTimeout(timer);
			socket.close();
			reject(new Error(`${url} was upgraded`));
		});
		socket.on("error", () => undefined);
	});
}

describe("a storm of anonymous reads of days that cannot exist", () => {
	it("creates no object", async () => {
		server = await startServer();
		const ctx = { baseUrl: server.baseUrl, adminToken: server.adminToken };
		const doctor = await createDoctor(ctx, { horizon_days: 7 });
		const [patient] = await registerPatients(ctx, 1);
		// A day someone read has an object; the doctor's object exists since the schedule was set.
		const read = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/availability/date/${inDays(1)}`);
		expect(read.body.total_slots).toBe(16);
		const before = objectFiles(server.persistDir);
		expect(before.length).toBeGreaterThanOrEqual(2);

		const dates = ["1970-01-01", "2000-02-29", inDays(-30), inDays(8), inDays(365), "9999-12-31"];
		const paths = [
			...dates.map((date) => `/api/doctors/${doctor.id}/availability/date/${date}`),
			...dates.map((date) => `/api/doctors/made-up-${date}/availability/date/${inDays(1)}`),
			`/api/doctors/${doctor.id}/availability?from=${inDays(300)}&to=${inDays(361)}`,
			`/api/doctors/made-up/availability?from=${inDays(1)}&to=${inDays(2)}`,
		];
		const statuses = await mapLimit(200, 16, async (i) => {
			const kind = i % 4;
			if (kind === 0) return (await api(ctx.baseUrl, "GET", paths[i % paths.length] as string)).status;
			if (kind === 1) {
				const id = `${doctor.id}.${dates[i % dates.length]}.${"0123456789abcdef".repeat(2)}`;
				return (await api(ctx.baseUrl, "GET", `/api/appointments/${id}`, { token: patient?.token })).status;
			}
			if (kind === 2) {
				const live = `/api/doctors/${doctor.id}/availability/date/${dates[i % dates.length]}/live`;
				return refusedUpgrade(wsUrl(ctx.baseUrl, live));
			}
			const start = at(dates[i % dates.length] as string, "09:00");
			return (await api(ctx.baseUrl, "POST", `/api/doctors/${doctor.id}/slots/check`, { body: { start } }))
				.status;
		});
		expect(statuses.filter((s) => s >= 500)).toEqual([]);
		// 200 empty days, 404 unknown doctors and forged ids, 409 sockets for impossible days, 400 instants past 9999.
		expect([...new Set(statuses)].sort()).toEqual([200, 400, 404, 409]);
		expect(objectFiles(server.persistDir)).toEqual(before);
	}, 180_000);
});
