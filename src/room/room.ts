// The Room object, one per appointment: the consultation's chat (stored in order), who is present, and the
// WebRTC signalling between its two participants. Sockets hibernate; who is who lives in their attachments.
import { DurableObject } from "cloudflare:workers";
import { type ClientFrame, checkFrame, MAX_MESSAGES, type Participant, roomPhase } from "../core/room";
import { newId } from "../lib/ids";
import { closeQuietly } from "../lib/ticket-sockets";
import {
	type ChatMessage,
	PASS_HEADER,
	REPLACED_CLOSE,
	ROOM_CLOSED_CLOSE,
	type RoomMessage,
	type RoomPass,
	TOKEN_EXPIRED_CLOSE,
} from "./room-messages";
import { type RoomFacts, RoomStore } from "./room-store";

const CLOSE_TIMER = "close";
const EXPIRY_TIMER = "expiry";
/** History goes out in frames of this many messages, well under a frame's size limit. */
const HISTORY_CHUNK = 100;

/** Kept in each socket's attachment, so it survives hibernation. */
interface Seat {
	participant: Participant;
	tokenExpiresAt: number | null;
}

function refusal(status: number, code: string, message: string): Response {
	return Response.json({ error: { code, message } }, { status });
}

export class Room extends DurableObject<Env> {
	private readonly store: RoomStore;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new RoomStore(ctx.storage);
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	/** A participant joining with a ticket and appointment the Worker checked; ticket and window are checked again here. */
	override async fetch(request: Request): Promise<Response> {
		const pass = JSON.parse(request.headers.get(PASS_HEADER) ?? "null") as RoomPass | null;
		if (pass === null) return refusal(400, "VALIDATION_ERROR", "No room pass.");
		const now = Date.now();
		if (!(pass.ticketExpiresAt > now))
			return refusal(401, "UNAUTHORIZED", "This ticket has expired: ask for a new one.");
		if (roomPhase(pass, now) !== "open") return refusal(409, "ROOM_CLOSED", "The room is not open now.");
		const endedBy = this.store.endedBy();
		if (endedBy !== null)
			return refusal(409, "ROOM_CLOSED", `This appointment was ${endedBy}: its room is closed.`);
		if (!this.store.useTicket(pass.ticketId, pass.ticketExpiresAt)) {
			return refusal(
				401,
				"UNAUTHORIZED",
				"This ticket was already used: ask POST /api/live-tickets for a new one.",
			);
		}
		const facts: RoomFacts = {
			appointmentId: pass.appointmentId,
			mode: pass.mode,
			opensAt: pass.opensAt,
			closesAt: pass.closesAt,
		};
		this.store.keepFacts(facts);
		// One seat per participant: a second tab takes over, so an offer never reaches two answerers.
		for (const old of this.open(pass.participant))
			closeQuietly(old, REPLACED_CLOSE, "Joined from another window.");
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server, [pass.participant]);
		server.serializeAttachment({
			participant: pass.participant,
			tokenExpiresAt: pass.tokenExpiresAt,
		} satisfies Seat);
		const present = this.present();
		send(server, {
			type: "joined",
			you: pass.participant,
			mode: facts.mode,
			opens_at: new Date(facts.opensAt).toISOString(),
			closes_at: new Date(facts.closesAt).toISOString(),
			present,
		});
		const history = this.store.history();
		for (let i = 0; i < history.length; i += HISTORY_CHUNK) {
			send(server, { type: "history", messages: history.slice(i, i + HISTORY_CHUNK) });
		}
		const other = this.open(otherThan(pass.participant));
		for (const ws of other)
			send(ws, { type: "presence", participant: pass.participant, state: "joined", present });
		this.store.timers.at(CLOSE_TIMER, facts.closesAt);
		this.store.timers.atOrBefore(
			EXPIRY_TIMER,
			Math.min(pass.ticketExpiresAt, pass.tokenExpiresAt ?? Infinity),
		);
		await this.store.timers.arm();
		return new Response(null, { status: 101, webSocket: client });
	}

	/**
	 * The appointment gave up its place (the rooms consumer of its day's events): whoever is in the room is
	 * told and let go, and no one joins again. Idempotent.
	 */
	async end(status: string): Promise<void> {
		this.store.end(status, Date.now());
		const facts = this.store.facts();
		if (facts !== null) this.closeRoom(facts, status);
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const seat = seatOf(ws);
		const facts = this.store.facts();
		if (seat === null || facts === null) return;
		// The close alarm may run late; no frame is taken once the window has passed.
		if (roomPhase(facts, Date.now()) === "closed") {
			this.closeRoom(facts);
			return;
		}
		const check = checkFrame(data);
		// A refused frame is answered to its sender only: the other participant hears nothing of it.
		if (check.ok) this.take(ws, seat.participant, check.frame);
		else send(ws, { type: "error", code: check.code, message: check.message });
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
		const seat = seatOf(ws);
		if (seat === null || this.open(seat.participant).some((other) => other !== ws)) return;
		const present = this.present().filter((p) => p !== seat.participant);
		for (const other of this.open(otherThan(seat.participant))) {
			send(other, { type: "presence", participant: seat.participant, state: "left", present });
		}
	}

	/** The close timer ends the room; the expiry timer forgets used tickets and closes sockets whose token expired. */
	override async alarm(): Promise<void> {
		this.store.timers.fired();
		const now = Date.now();
		const due = this.store.timers.due(now);
		const facts = this.store.facts();
		const closed = facts !== null && roomPhase(facts, now) === "closed";
		if (closed) this.closeRoom(facts);
		for (const timer of due) this.store.timers.done(timer);
		if (closed || due.some((t) => t.name === EXPIRY_TIMER)) this.expire(now, closed);
		await this.store.timers.arm();
	}

	private take(ws: WebSocket, from: Participant, frame: ClientFrame): void {
		if (frame.type !== "message") {
			// Signalling goes to the other participant only, as it came (checked and rebuilt by the core).
			const relayed: RoomMessage = { ...frame, from };
			for (const other of this.open(otherThan(from))) send(other, relayed);
			return;
		}
		const message: ChatMessage = {
			type: "message",
			id: newId(),
			from,
			text: frame.text,
			at: new Date().toISOString(),
		};
		// The count and the insert are one transaction: the limit holds even for lines arriving together.
		const kept = this.ctx.storage.transactionSync(() => {
			if (this.store.messageCount() >= MAX_MESSAGES) return false;
			this.store.addMessage(message);
			return true;
		});
		if (!kept) {
			send(ws, {
				type: "error",
				code: "ROOM_FULL",
				message: `A room keeps at most ${MAX_MESSAGES} messages.`,
			});
			return;
		}
		for (const socket of this.open()) send(socket, message);
	}

	/** Idempotent: tells whoever is still connected, then closes their sockets. */
	private closeRoom(facts: RoomFacts, status?: string): void {
		const closed: RoomMessage = {
			type: "room",
			state: "closed",
			closes_at: new Date(facts.closesAt).toISOString(),
			...(status === undefined ? {} : { status }),
		};
		for (const ws of this.open()) {
			send(ws, closed);
			closeQuietly(ws, ROOM_CLOSED_CLOSE, "The room has closed.");
		}
	}

	/** Forgets expired tickets and closes sockets whose token expired; a closed room has no sockets left to watch. */
	private expire(now: number, roomClosed: boolean): void {
		let next = this.store.forgetTicketsUntil(now) ?? Infinity;
		for (const ws of roomClosed ? [] : this.open()) {
			const expiresAt = seatOf(ws)?.tokenExpiresAt ?? null;
			if (expiresAt === null) continue;
			if (expiresAt > now) next = Math.min(next, expiresAt);
			else closeQuietly(ws, TOKEN_EXPIRED_CLOSE, "The token this room was joined with has expired.");
		}
		if (next === Infinity) this.store.timers.cancel(EXPIRY_TIMER);
		else this.store.timers.at(EXPIRY_TIMER, next);
	}

	/** Open sockets, of one participant or of both. */
	private open(participant?: Participant): WebSocket[] {
		return this.ctx.getWebSockets(participant).filter((ws) => ws.readyState === WebSocket.OPEN);
	}

	private present(): Participant[] {
		return (["patient", "doctor"] as const).filter((p) => this.open(p).length > 0);
	}
}

function otherThan(participant: Participant): Participant {
	return participant === "patient" ? "doctor" : "patient";
}

function seatOf(ws: WebSocket): Seat | null {
	return (ws.deserializeAttachment() as Seat | null) ?? null;
}

/** One broken socket must not stop the others (its close cleans it up). */
function send(ws: WebSocket, message: RoomMessage): void {
	try {
		ws.send(JSON.stringify(message));
	} catch {}
}
