// The User object's SQLite storage: the notifications inbox (deduplicated by id, newest first by arrival),
// the account's tombstone once deleted, used live tickets and timers. Every method is synchronous.
import type { EmailContext } from "../core/email";
import type { NotificationType } from "../core/notifications";
import { Scheduler, TIMERS_TABLE } from "../lib/scheduler";
import { migrateStorage, type StorageSchema } from "../lib/storage-migrations";
import { transactionWithMirrors } from "../lib/transactions";
import { USED_TICKETS_TABLE } from "../lib/used-tickets";
import { EMAIL_TABLES, EmailOutbox } from "./email-outbox";
import type { NotificationView } from "./me-messages";

// 1: the inbox (seq orders by arrival and pages it), the tombstone, tickets and timers.
const INBOX_TABLES = `CREATE TABLE notifications (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		type TEXT NOT NULL,
		appointment_id TEXT,
		title TEXT NOT NULL,
		body TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		read_at INTEGER
	);
	CREATE INDEX notifications_unread ON notifications (seq) WHERE read_at IS NULL;
	CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), deleted_at INTEGER NOT NULL);
	${USED_TICKETS_TABLE};
	${TIMERS_TABLE};`;

/** The User object's storage: the inbox, then email (a new object gets both at once). */
export const USER_SCHEMA: StorageSchema = {
	migrations: [INBOX_TABLES, EMAIL_TABLES],
	fresh: `${INBOX_TABLES}\n${EMAIL_TABLES}`,
};

/** A notification to add, with the id its delivery derives (the same on every redelivery). */
export interface NewNotification {
	id: string;
	type: NotificationType;
	appointment_id: string | null;
	title: string;
	body: string;
	/** The appointment, for the email's .ics (bookings, reschedules); not kept in the inbox. */
	calendar?: EmailContext["calendar"];
}

type Row = {
	seq: number;
	id: string;
	type: NotificationType;
	appointment_id: string | null;
	title: string;
	body: string;
	created_at: number;
	read_at: number | null;
};

export class UserStore {
	readonly timers: Scheduler;
	readonly emails: EmailOutbox;
	/**
	 * The tombstone and the unread count, which every delivery reads: read together at most once per
	 * instance, kept in step by the writes below; null until read, and after a rolled-back transaction.
	 */
	private held: { deleted: boolean; unread: number } | null = null;

	constructor(private readonly storage: DurableObjectStorage) {
		// Only accounts have User objects (the Worker and the consumer name them by account id): eager schema.
		migrateStorage(storage, USER_SCHEMA);
		this.timers = new Scheduler(storage, () => true);
		this.emails = new EmailOutbox(storage.sql);
	}

	private get sql(): SqlStorage {
		return this.storage.sql;
	}

	/** Runs `work` in one transaction; if it throws, storage rolls back and so do the mirrors. */
	transaction<T>(work: () => T): T {
		return transactionWithMirrors(this.storage, work, () => this.reload());
	}

	/** Forgets what the mirrors read: they are read again from storage when next asked. */
	reload(): void {
		this.held = null;
		this.emails.reload();
		this.timers.reload();
	}

	deleted(): boolean {
		return this.inbox().deleted;
	}

	unread(): number {
		return this.inbox().unread;
	}

	/** Adds the notifications not held yet (a redelivered id is skipped, read or not); answers those added. */
	add(notifications: readonly NewNotification[], now: number): NotificationView[] {
		const added: NotificationView[] = [];
		for (const n of notifications) {
			const rows = this.sql
				.exec<Row>(
					`INSERT INTO notifications (id, type, appointment_id, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
					 ON CONFLICT (id) DO NOTHING RETURNING *`,
					n.id,
					n.type,
					n.appointment_id,
					n.title,
					n.body,
					now,
				)
				.toArray();
			for (const row of rows) added.push(view(row));
		}
		// Each one added is unread; a redelivered one changed nothing.
		if (added.length > 0) this.inbox().unread += added.length;
		return added;
	}

	/**
	 * Newest first: `limit` of them older than position `after` (a seq; null: from the newest), and the
	 * position the next page starts after, if there is more. Keyed by seq, so arrivals never shift a page.
	 */
	page(limit: number, after: number | null): { notifications: NotificationView[]; nextAfter: number | null } {
		const rows = this.sql
			.exec<Row>(
				"SELECT * FROM notifications WHERE seq < ? ORDER BY seq DESC LIMIT ?",
				after ?? Number.MAX_SAFE_INTEGER,
				limit + 1,
			)
			.toArray();
		const shown = rows.slice(0, limit);
		const last = shown.at(-1);
		return { notifications: shown.map(view), nextAfter: rows.length > limit && last ? last.seq : null };
	}

	/** Marks one read (the first time counts); null when this inbox has no such notification. */
	markRead(id: string, now: number): NotificationView | null {
		const marked = this.sql
			.exec<Row>("UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL RETURNING *", now, id)
			.toArray()[0];
		if (marked !== undefined) {
			this.inbox().unread -= 1;
			return view(marked);
		}
		// Read already, or no such notification.
		const row = this.sql.exec<Row>("SELECT * FROM notifications WHERE id = ?", id).toArray()[0];
		return row === undefined ? null : view(row);
	}

	/** Marks every unread one read; answers how many were. */
	markAllRead(now: number): number {
		const marked = this.sql
			.exec("UPDATE notifications SET read_at = ? WHERE read_at IS NULL RETURNING seq", now)
			.toArray().length;
		this.inbox().unread = 0;
		return marked;
	}

	/** The account is gone: its notifications go, and the tombstone makes later deliveries no-ops. */
	deleteAll(now: number): void {
		this.sql.exec("DELETE FROM notifications");
		this.emails.clear();
		this.sql.exec("INSERT OR IGNORE INTO account (id, deleted_at) VALUES (1, ?)", now);
		this.held = { deleted: true, unread: 0 };
	}

	private inbox(): { deleted: boolean; unread: number } {
		if (this.held === null) {
			const row = this.sql
				.exec<{ deleted: number; unread: number }>(
					`SELECT EXISTS (SELECT 1 FROM account WHERE deleted_at IS NOT NULL) AS deleted,
					 (SELECT count(*) FROM notifications WHERE read_at IS NULL) AS unread`,
				)
				.one();
			this.held = { deleted: row.deleted === 1, unread: row.unread };
		}
		return this.held;
	}
}

function view(row: Row): NotificationView {
	return {
		id: row.id,
		type: row.type,
		appointment_id: row.appointment_id,
		title: row.title,
		body: row.body,
		created_at: new Date(row.created_at).toISOString(),
		read_at: row.read_at === null ? null : new Date(row.read_at).toISOString(),
	};
}
