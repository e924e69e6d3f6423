// Sockets opened with a live ticket (the doctor's feed, the user's own channel): each accepted once per
// ticket, and closed when the token the ticket came from expires. Used ticket ids are kept in the object's
// SQLite until they expire; both clocks run on the object's one alarm (the "feed" timer).
import type { Scheduler } from "./scheduler";
import { forgetTicketsUntil, useTicket } from "./used-tickets";

/** The close code of a socket whose token expired: the client must sign in again before reconnecting. */
export const TOKEN_EXPIRED_CLOSE = 4001;
export const FEED_TIMER = "feed";

/** What the Worker vouches for, from the ticket it verified. */
export interface TicketPass {
	/** What the socket is about: the doctor's id, or the user's own id. */
	target: string;
	userId: string;
	ticketId: string;
	ticketExpiresAt: number;
	/** Null for ADMIN_TOKEN, which does not expire. */
	tokenExpiresAt: number | null;
}

/** Kept in the socket's attachment, so it survives hibernation. */
interface TicketAttachment {
	userId: string;
	tokenExpiresAt: number | null;
}

/** The request the Worker sends the object: the pass travels in the URL of this internal hop. */
export function ticketSocketRequest(url: string, init: Request, pass: TicketPass): Request {
	const target = new URL(url);
	target.search = new URLSearchParams({
		target: pass.target,
		user_id: pass.userId,
		ticket_id: pass.ticketId,
		ticket_expires_at: String(pass.ticketExpiresAt),
		token_expires_at: pass.tokenExpiresAt === null ? "" : String(pass.tokenExpiresAt),
	}).toString();
	return new Request(target, init);
}

function passOf(request: Request): TicketPass {
	const query = new URL(request.url).searchParams;
	const tokenExpiresAt = query.get("token_expires_at") ?? "";
	return {
		target: query.get("target") ?? "",
		userId: query.get("user_id") ?? "",
		ticketId: query.get("ticket_id") ?? "",
		ticketExpiresAt: Number(query.get("ticket_expires_at")),
		tokenExpiresAt: tokenExpiresAt === "" ? null : Number(tokenExpiresAt),
	};
}

function refusal(message: string): Response {
	return Response.json({ error: { code: "UNAUTHORIZED", message } }, { status: 401 });
}

export class TicketSockets {
	constructor(
		private readonly ctx: DurableObjectState,
		private readonly timers: Scheduler,
		/** Why the token's socket is closed at its expiry, in the channel's words. */
		private readonly expiredReason: string,
	) {}

	/**
	 * A tab connecting; `welcome` is its first message. The ticket's expiry is checked on this object's clock
	 * too, so a forgotten id is always expired.
	 */
	async accept(request: Request, welcome: (pass: TicketPass) => unknown): Promise<Response> {
		const pass = passOf(request);
		const now = Date.now();
		if (!(pass.ticketExpiresAt > now)) return refusal("This ticket has expired: ask for a new one.");
		if (!useTicket(this.ctx.storage.sql, pass.ticketId, pass.ticketExpiresAt)) {
			return refusal("This ticket was already used: ask POST /api/live-tickets for a new one.");
		}
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server);
		server.serializeAttachment({
			userId: pass.userId,
			tokenExpiresAt: pass.tokenExpiresAt,
		} satisfies TicketAttachment);
		server.send(JSON.stringify(welcome(pass)));
		this.timers.atOrBefore(FEED_TIMER, Math.min(pass.ticketExpiresAt, pass.tokenExpiresAt ?? Infinity));
		await this.timers.arm();
		return new Response(null, { status: 101, webSocket: client });
	}

	/** The feed timer: closes sockets whose token expired, forgets expired tickets, and sets the next wake-up. */
	expire(now: number): void {
		let next = forgetTicketsUntil(this.ctx.storage.sql, now) ?? Infinity;
		for (const ws of this.ctx.getWebSockets()) {
			const expiresAt = (ws.deserializeAttachment() as TicketAttachment | null)?.tokenExpiresAt ?? null;
			if (expiresAt === null) continue;
			if (expiresAt > now) next = Math.min(next, expiresAt);
			else closeQuietly(ws, TOKEN_EXPIRED_CLOSE, this.expiredReason);
		}
		if (next !== Infinity) this.timers.at(FEED_TIMER, next);
	}
}

/** A socket already closing throws on a second close; that one is on its way out anyway. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
	try {
		ws.close(code, reason);
	} catch {}
}
