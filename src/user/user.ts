// The User object, one per account: the account's notifications inbox and its own live channel. Deliveries
// come from the day events' notifications consumer, deduplicated by notification id, so a batch delivered
// again never shows twice; every open tab hears each new notification and the unread count.
import { DurableObject } from "cloudflare:workers";
import { closeQuietly, FEED_TIMER, TicketSockets } from "../lib/ticket-sockets";
import { type MeMessage, type NotificationView, sendToMe } from "./me-messages";
import { type NewNotification, UserStore } from "./user-store";

export interface NotificationPage {
	notifications: NotificationView[];
	unread: number;
	/** Where the next page starts (after this position), or null on the last page. */
	nextAfter: number | null;
}

export type MarkReadResult =
	| { ok: true; notification: NotificationView; unread: number }
	| { ok: false; code: "NOT_FOUND" };

export class User extends DurableObject<Env> {
	private readonly store: UserStore;
	private readonly sockets: TicketSockets;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new UserStore(ctx.storage);
		this.sockets = new TicketSockets(
			ctx,
			this.store.timers,
			"The token this channel was opened with has expired.",
		);
		// Answered by the runtime: without this, each keep-alive would wake the object from hibernation.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	/** Idempotent: ids already held are skipped. A deleted account takes nothing. */
	async deliver(notifications: NewNotification[]): Promise<{ added: number; unread: number }> {
		const { added, unread } = this.ctx.storage.transactionSync(() => {
			if (this.store.deleted()) return { added: [], unread: 0 };
			return { added: this.store.add(notifications, Date.now()), unread: this.store.unread() };
		});
		if (added.length > 0) {
			const sockets = this.ctx.getWebSockets();
			for (const notification of added) sendToMe(sockets, { type: "notification", notification });
			sendToMe(sockets, { type: "unread", count: unread });
		}
		return { added: added.length, unread };
	}

	/** Newest first, `limit` of them after position `after` (null: from the newest). */
	async list(limit: number, after: number | null): Promise<NotificationPage> {
		return { ...this.store.page(limit, after), unread: this.store.unread() };
	}

	async markRead(id: string): Promise<MarkReadResult> {
		const before = this.store.unread();
		const notification = this.store.markRead(id, Date.now());
		if (notification === null) return { ok: false, code: "NOT_FOUND" };
		const unread = this.store.unread();
		if (unread !== before) this.announceUnread(unread);
		return { ok: true, notification, unread };
	}

	async markAllRead(): Promise<{ marked: number; unread: number }> {
		const marked = this.store.markAllRead(Date.now());
		if (marked > 0) this.announceUnread(0);
		return { marked, unread: 0 };
	}

	/** The account was deleted: its notifications go, its tabs are closed, and nothing is taken any more. */
	async deleteInbox(): Promise<void> {
		this.store.deleteAll(Date.now());
		for (const ws of this.ctx.getWebSockets()) closeQuietly(ws, 1000, "The account was deleted.");
	}

	/** A tab of this user connecting with a ticket the Worker has already verified. */
	override async fetch(request: Request): Promise<Response> {
		if (this.store.deleted()) {
			return Response.json({ error: { code: "UNAUTHORIZED", message: "No such account." } }, { status: 401 });
		}
		return this.sockets.accept(request, (): MeMessage => ({ type: "unread", count: this.store.unread() }));
	}

	override async webSocketMessage(): Promise<void> {
		// Tabs only listen; anything they send besides the automatic ping is ignored.
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		closeQuietly(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
	}

	/** The only timer: the sockets' expiries (idempotent: alarms fire at least once). */
	override async alarm(): Promise<void> {
		this.store.timers.fired();
		const now = Date.now();
		const due = this.store.timers.due(now);
		if (due.some((t) => t.name === FEED_TIMER)) this.sockets.expire(now);
		for (const timer of due) this.store.timers.done(timer);
		await this.store.timers.arm();
	}

	private announceUnread(count: number): void {
		sendToMe(this.ctx.getWebSockets(), { type: "unread", count });
	}
}
