// The User object, one per account: the account's notifications inbox and its own live channel. Deliveries
// come from the day events' notifications consumer, deduplicated by notification id, so a batch delivered
// again never shows twice; every open tab hears each new notification and the unread count. Each new
// notification's email is queued with it and sent right after the delivery; the alarm is the safety net and
// retries (email-outbox.ts).
import { DurableObject } from "cloudflare:workers";
import type { Appointment } from "../core/appointment";
import { type EmailContent, notificationEmail } from "../core/email";
import { SAFETY_NET_MS, singleFlight, startAfterAnswer } from "../lib/after-answer";
import { hop } from "../lib/hops";
import { closeQuietly, FEED_TIMER, TicketSockets } from "../lib/ticket-sockets";
import type { EmailProfile } from "./email-outbox";
import { bindingSender, type EmailSender } from "./email-sender";
import { type MeMessage, type NotificationView, sendToMe } from "./me-messages";
import { type NewNotification, UserStore } from "./user-store";

export interface NotificationPage {
	notifications: NotificationView[];
	unread: number;
	/** Where the next page starts (after this position), or null on the last page. */
	nextAfter: number | null;
}

const EMAIL_TIMER = "email";
/** Emails sent per alarm run; the rest follow in the next run, set for now. */
const EMAILS_PER_RUN = 20;

export type MarkReadResult =
	| { ok: true; notification: NotificationView; unread: number }
	| { ok: false; code: "NOT_FOUND" };

export class User extends DurableObject<Env> {
	private readonly store: UserStore;
	private readonly sockets: TicketSockets;
	// One sending run at a time, so the run after a delivery and the alarm's never send an email twice.
	private readonly emailRun = singleFlight(async () => {
		if (this.env.EMAIL_SENDING !== "off") await this.sendDueEmails(Date.now());
	});

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

	/**
	 * Idempotent: ids already held are skipped. A deleted account takes nothing. Each new notification's
	 * email is queued in the same transaction (id = the notification's), when the account has an address
	 * and has not opted out, and sent after the answer. `accountId` names this object's account for the one D1
	 * read of its address, when nothing was pushed yet.
	 */
	async deliver(
		notifications: NewNotification[],
		accountId?: string,
	): Promise<{ added: number; unread: number }> {
		const read = this.store.emails.profile() === null ? await this.readProfile(accountId) : null;
		const now = Date.now();
		const { added, unread, queued } = this.store.transaction(() => {
			if (this.store.deleted()) return { added: [], unread: 0, queued: false };
			// D1's answer is kept unless a push landed while it was read; the profile held now is the one mailed.
			const profile = read === null ? this.store.emails.profile() : this.store.emails.setProfile(read, true);
			const added = this.store.add(notifications, now);
			const queued = added.length > 0 && this.queueEmails(profile, notifications, added, now);
			return { added, unread: this.store.unread(), queued };
		});
		if (added.length > 0) {
			const sockets = this.ctx.getWebSockets();
			for (const notification of added) sendToMe(sockets, { type: "notification", notification });
			sendToMe(sockets, { type: "unread", count: unread });
		}
		await this.store.timers.arm();
		if (queued) startAfterAnswer(this.emailRun, "email_run_failed");
		return { added: added.length, unread };
	}

	/**
	 * Appointments of this account that changed without a notification: told to the open tabs, kept nowhere
	 * (the appointment itself is the record). A redelivery tells them again, which changes nothing on a page.
	 */
	async showAppointments(appointments: Appointment[]): Promise<void> {
		if (this.store.deleted()) return;
		const sockets = this.ctx.getWebSockets();
		for (const appointment of appointments) sendToMe(sockets, { type: "appointment", appointment });
	}

	/** The Worker's push of the account's address and opt-out (PATCH /api/me, password reset). */
	async setEmailProfile(profile: EmailProfile): Promise<void> {
		if (this.store.deleted()) return;
		this.store.emails.setProfile(profile);
	}

	/** Queues one email that is no notification (a password reset), sent like the others. */
	async sendEmail(id: string, recipient: string, content: EmailContent): Promise<void> {
		const now = Date.now();
		if (this.store.deleted() || !this.store.emails.enqueue(id, recipient, content, now)) return;
		this.store.timers.atOrBefore(EMAIL_TIMER, now + SAFETY_NET_MS);
		await this.store.timers.arm();
		startAfterAnswer(this.emailRun, "email_run_failed");
	}

	/**
	 * Sends what is due through `send`: a sent email goes; a failed one backs off, and after its last
	 * attempt stays dead with a log line. Time and sender injected for tests; the alarm passes the binding.
	 */
	async sendDueEmails(
		now: number,
		send: EmailSender = bindingSender(this.env),
	): Promise<{ sent: number; failed: number }> {
		let sent = 0;
		let failed = 0;
		for (const email of this.store.emails.due(now, EMAILS_PER_RUN)) {
			try {
				await send(email);
				this.store.emails.sent(email.id);
				sent++;
			} catch (error) {
				failed++;
				const outcome = this.store.emails.failed(email.id, String(error), now);
				if ("dead" in outcome) {
					console.error(
						JSON.stringify({
							event: "email_dead_lettered",
							email_id: email.id,
							attempts: outcome.attempts,
							error: String(error),
						}),
					);
				}
			}
		}
		const next = this.store.emails.nextDue();
		if (next === null) this.store.timers.cancel(EMAIL_TIMER);
		else this.store.timers.at(EMAIL_TIMER, Math.max(next, now));
		await this.store.timers.arm();
		return { sent, failed };
	}

	/** The outbox as it stands: what waits, with its attempts, and what is dead. */
	async outbox() {
		return this.store.emails.rows();
	}

	/** Queues the added notifications' emails with the safety-net timer; answers whether any was queued. */
	private queueEmails(
		profile: EmailProfile | null,
		notifications: readonly NewNotification[],
		added: readonly NotificationView[],
		now: number,
	): boolean {
		if (profile?.email == null || !profile.emailNotifications) return false;
		const addedIds = new Set(added.map((n) => n.id));
		let queued = false;
		for (const n of notifications) {
			if (!addedIds.has(n.id)) continue;
			const content = notificationEmail(n, { siteUrl: this.env.SITE_URL, calendar: n.calendar });
			queued = this.store.emails.enqueue(n.id, profile.email, content, now) || queued;
		}
		if (queued) this.store.timers.atOrBefore(EMAIL_TIMER, now + SAFETY_NET_MS);
		return queued;
	}

	/** The account's address and opt-out from D1, once: afterwards the Worker pushes changes. */
	private async readProfile(accountId: string | undefined): Promise<EmailProfile | null> {
		const id = accountId ?? this.ctx.id.name;
		if (id === undefined) return null;
		hop(this.env, "object→D1", "after", "user.readProfile");
		const row = await this.env.DB.prepare(
			"SELECT email, email_notifications FROM users WHERE id = ? AND deleted_at IS NULL",
		)
			.bind(id)
			.first<{ email: string; email_notifications: number }>();
		return { email: row?.email ?? null, emailNotifications: row !== null && row.email_notifications === 1 };
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
		this.store.transaction(() => {
			this.store.deleteAll(Date.now());
			this.store.timers.cancel(EMAIL_TIMER);
		});
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

	/** The timers: the sockets' expiries and the email outbox (idempotent: alarms fire at least once). */
	override async alarm(): Promise<void> {
		this.store.timers.fired();
		const now = Date.now();
		const due = this.store.timers.due(now);
		if (due.some((t) => t.name === FEED_TIMER)) this.sockets.expire(now);
		for (const timer of due) this.store.timers.done(timer);
		if (due.some((t) => t.name === EMAIL_TIMER)) await this.emailRun();
		await this.store.timers.arm();
	}

	private announceUnread(count: number): void {
		sendToMe(this.ctx.getWebSockets(), { type: "unread", count });
	}
}
