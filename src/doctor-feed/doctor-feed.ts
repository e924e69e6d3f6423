// The DoctorFeed Durable Object: one per doctor, fanning every change of any of their days out to their tabs.
import { DurableObject } from "cloudflare:workers";
import { type DoctorMessage, sendToAll } from "../doctor-day/live-messages";

export class DoctorFeed extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	/** A doctor's tab connecting; the Worker has already checked who it is. */
	override async fetch(request: Request): Promise<Response> {
		const doctorId = new URL(request.url).searchParams.get("doctor_id") ?? "";
		const { 0: client, 1: server } = new WebSocketPair();
		this.ctx.acceptWebSocket(server);
		server.send(JSON.stringify({ type: "hello", doctor_id: doctorId } satisfies DoctorMessage));
		return new Response(null, { status: 101, webSocket: client });
	}

	/** Sends each message to every open tab. Delivery is at least once: messages carry versions to dedupe by. */
	async publish(messages: DoctorMessage[]): Promise<number> {
		const sockets = this.ctx.getWebSockets();
		for (const message of messages) sendToAll(sockets, message);
		return sockets.length;
	}

	override async webSocketMessage(): Promise<void> {
		// Tabs only listen; anything they send besides the automatic ping is ignored.
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
	}
}

export function doctorFeed(env: Env, doctorId: string) {
	return env.DOCTOR_FEED.get(env.DOCTOR_FEED.idFromName(doctorId));
}
