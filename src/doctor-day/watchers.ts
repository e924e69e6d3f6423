// A doctor-day's live sockets: accepted hibernatable, capped per client and per day, and a resync is
// answered at most once per interval per socket, so nobody can make the object amplify traffic.
import type { SnapshotMessage } from "./live-messages";
import type { DayRef } from "./results";

/** Header the Worker sets with the caller's address, so sockets can be counted per client. */
export const CLIENT_HEADER = "x-docslot-client";
export const MAX_WATCHERS_PER_DAY = 2_000;
export const MAX_WATCHERS_PER_CLIENT = 20;
export const RESYNC_INTERVAL_MS = 5_000;

/** Kept in each socket's attachment, so it survives hibernation. */
interface WatcherState {
	where: DayRef;
	lastResync: number;
}

export function acceptWatcher(
	ctx: DurableObjectState,
	request: Request,
	where: DayRef,
	snapshot: () => SnapshotMessage,
): Response {
	const client = `client:${request.headers.get(CLIENT_HEADER) ?? "unknown"}`;
	if (
		ctx.getWebSockets().length >= MAX_WATCHERS_PER_DAY ||
		ctx.getWebSockets(client).length >= MAX_WATCHERS_PER_CLIENT
	) {
		const error = { code: "RATE_LIMITED", message: "Too many live connections; close some and try again." };
		return Response.json({ error }, { status: 429, headers: { "retry-after": "60" } });
	}
	const { 0: clientSocket, 1: server } = new WebSocketPair();
	// acceptWebSocket (not accept) lets the object hibernate while sockets stay open; the tag counts them.
	ctx.acceptWebSocket(server, [client]);
	server.serializeAttachment({ where, lastResync: 0 } satisfies WatcherState);
	server.send(JSON.stringify(snapshot()));
	return new Response(null, { status: 101, webSocket: clientSocket });
}

/** The doctor-day a socket watches, or null for a socket this code did not accept. */
export function watchedDay(ws: WebSocket): DayRef | null {
	return (ws.deserializeAttachment() as WatcherState | null)?.where ?? null;
}

/** Whether a frame is a resync: only {"type":"resync"} means anything, junk is ignored. */
export function isResync(message: string | ArrayBuffer): boolean {
	if (typeof message !== "string" || message.length > 1024 || !message.includes("resync")) return false;
	try {
		return (JSON.parse(message) as { type?: unknown })?.type === "resync";
	} catch {
		return false;
	}
}

/** Answers a resync with a snapshot, at most once per RESYNC_INTERVAL_MS per socket. */
export function answerResync(ws: WebSocket, snapshot: () => SnapshotMessage): void {
	const state = ws.deserializeAttachment() as WatcherState | null;
	const now = Date.now();
	if (state === null || now - state.lastResync < RESYNC_INTERVAL_MS) return;
	ws.serializeAttachment({ ...state, lastResync: now } satisfies WatcherState);
	ws.send(JSON.stringify(snapshot()));
}
