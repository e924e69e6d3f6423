// The live endpoints: WebSocket upgrades handed to the doctor-day object, or to the doctor's own feed.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { inDayWindow } from "../../core/day-window";
import { doctorObject } from "../../doctor/stub";
import { doctorDay } from "../../doctor-day/stub";
import { CLIENT_HEADER } from "../../doctor-day/watchers";
import { fromToken } from "../auth";
import type { AppEnv } from "../context";
import { doctorRoute, visibleDoctorRoute } from "../doctor-route";
import { ApiError } from "../errors";
import { clientIp, limitSocketUpgrades } from "../rate-limit";
import { errorResponses, newRouter } from "../router";
import { DateString, DoctorIdParam } from "../schemas";

export const liveRoutes = newRouter();

function requireUpgrade(c: Context<AppEnv>): void {
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("UPGRADE_REQUIRED");
}

const switching = { 101: { description: "Switching to a WebSocket" } };

liveRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/availability/date/{date}/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["live"],
		summary: "Live availability of one doctor-day: a snapshot, then an update after every change",
		request: { params: DoctorIdParam.extend({ date: DateString }) },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		const { doctor_id, date } = c.req.valid("param");
		const route = await visibleDoctorRoute(c.env, doctor_id, c.get("actor"));
		requireUpgrade(c);
		// No object for a date no slot can fall on: watching it would only cost storage.
		if (!inDayWindow(route, date, Date.now())) throw new ApiError("DAY_UNAVAILABLE");
		const url = new URL(c.req.url);
		url.search = new URLSearchParams({ doctor_id, date }).toString();
		const headers = new Headers(c.req.raw.headers);
		headers.set(CLIENT_HEADER, clientIp(c));
		return doctorDay(c.env, doctor_id, date).fetch(new Request(url, { headers }));
	},
);

liveRoutes.openapi(
	createRoute({
		method: "get",
		path: "/api/doctors/{doctor_id}/live",
		middleware: [limitSocketUpgrades] as const,
		tags: ["live"],
		summary: "The doctor's own channel: bookings, cancellations and schedule edits of every day",
		description: "Browsers cannot send headers on a WebSocket, so the token may come as ?token=.",
		request: { params: DoctorIdParam, query: z.object({ token: z.string().max(4096).optional() }) },
		responses: { ...switching, 426: errorResponses[400], ...errorResponses },
	}),
	async (c) => {
		const { doctor_id } = c.req.valid("param");
		const { token } = c.req.valid("query");
		const actor = c.get("actor") ?? (token === undefined ? null : (await fromToken(token, c.env)).actor);
		if (actor === null) throw new ApiError("UNAUTHORIZED");
		if (actor.role !== "admin" && !(actor.role === "doctor" && actor.doctorId === doctor_id)) {
			throw new ApiError("FORBIDDEN");
		}
		await doctorRoute(c.env, doctor_id);
		requireUpgrade(c);
		const url = new URL(c.req.url);
		url.search = new URLSearchParams({ doctor_id }).toString();
		return doctorObject(c.env, doctor_id).fetch(new Request(url, c.req.raw));
	},
);
