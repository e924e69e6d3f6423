// A doctor-day's live sockets: accepted hibernatable, capped per client and per day, and a resync is
// answered at most once per interval per socket, so nobody can make the object amplify traffic.
import type { SnapshotMessage } from "./live-messages";

/** Header the Worker sets with the caller's address, so sockets can be counted per client. */
export const CLIENT_HEADER = "x-docslot-client";
export const MAX_WATCHERS_PER_DAY = 2_000;
export const MAX_WATCHERS_PER_CLIENT = 20;
export const RESYNC_INTERVAL_MS = 5_000;

interface WatcherState {
	lastResync: number;
}

export function acceptWatcher(
	ctx: DurableObjectState,
	request: Request,
	snapshot: () => SnapshotMessage,
): Response {
	const client = `client:${request.headers.get(CLIENT_HEADER) ?? "unknown"}`;
	if (
		ctx.getWebSockets().length >= MAX_WATCHERS_PER_DAY ||
		ctx.getWebSockets(client).length >= MAX_WATCHERS_PER_CLIENT
	) {
		const error = { code: "RATE_LIMITED", message: "Too many live connections; close some and try again." };
		return Response.json(
			{ error },
			{
				status: 429,
				headers: { "retry-after": "60" },
			},
		);
	}
	const { 0: clientSocket, 1: server } = new WebSocketPair();
	// acceptWebSocket (not accept) lets the object hibernate while sockets stay open; the tag counts them.
	ctx.acceptWebSocket(server, [client]);
	// Kept in the attachment so it survives hibernation.
	server.serializeAttachment({ lastResync: 0 } satisfies WatcherState);
	server.send(JSON.stringify(snapshot()));
	return new Response(null, { status: 101, webSocket: clientSocket });
}

/** Only {"type":"resync"} means anything; junk is ignored rather than allowed to break the object. */
export function answerWatcher(
	ws: WebSocket,
	message: string | ArrayBuffer,
	snapshot: () => SnapshotMessage,
): void {
	if (typeof message !== "string" || message.length > 1024 || !message.includes("resync")) return;
	let type: unknown;
	try {
		type = (JSON.parse(message) as { type?: unknown })?.type;
	} catch {
		return;
	}
	if (type !== "resync") return;
	const state = (ws.deserializeAttachment() as WatcherState | null) ?? { lastResync: 0 };
	const now = Date.now();
	if (now - state.lastResync < RESYNC_INTERVAL_MS) return;
	ws.serializeAttachment({ lastResync: now } satisfies WatcherState);
	ws.send(JSON.stringify(snapshot()));
}
