// The User object's email: the account's address and opt-out (pushed by the Worker, or read once from D1),
// and the outbox of emails to send, one row per email id (a notification's id), so a redelivered
// notification never queues its email twice. Rows go once sent; a row that kept failing stays, dead.
import { type EmailContent, emailRetryAt } from "../core/email";

// 2: the profile (one row once known) and the outbox.
export const EMAIL_TABLES = `CREATE TABLE profile (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		email TEXT,
		email_notifications INTEGER NOT NULL
	);
	CREATE TABLE email_outbox (
		id TEXT PRIMARY KEY,
		recipient TEXT NOT NULL,
		subject TEXT NOT NULL,
		text TEXT NOT NULL,
		html TEXT NOT NULL,
		ics TEXT,
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at INTEGER NOT NULL,
		last_error TEXT,
		dead_at INTEGER
	);
	CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE dead_at IS NULL;`;

const UPSERT_PROFILE = `INSERT INTO profile (id, email, email_notifications) VALUES (1, ?, ?)
	ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_notifications = excluded.email_notifications`;

export interface EmailProfile {
	/** Null: the account has no address (or no longer exists), so nothing is sent. */
	email: string | null;
	emailNotifications: boolean;
}

export interface OutgoingEmail extends EmailContent {
	id: string;
	recipient: string;
	attempts: number;
}

type OutboxRow = {
	id: string;
	recipient: string;
	subject: string;
	text: string;
	html: string;
	ics: string | null;
	attempts: number;
	next_attempt_at: number;
	last_error: string | null;
	dead_at: number | null;
};

export class EmailOutbox {
	/**
	 * The profile row, read at most once per instance (every delivery asks for it): undefined until read,
	 * and after a rolled-back transaction (reload); null while none is known.
	 */
	private held: EmailProfile | null | undefined = undefined;

	constructor(private readonly sql: SqlStorage) {}

	/** The profile this object holds; null until pushed or read. */
	profile(): EmailProfile | null {
		if (this.held !== undefined) return this.held;
		const row = this.sql
			.exec<{ email: string | null; email_notifications: number }>(
				"SELECT email, email_notifications FROM profile",
			)
			.toArray()[0];
		this.held =
			row === undefined ? null : { email: row.email, emailNotifications: row.email_notifications === 1 };
		return this.held;
	}

	/**
	 * A push from the Worker replaces what is held; a read from D1 (`onlyIfUnknown`) never overrides a push.
	 * Answers the profile held afterwards.
	 */
	setProfile(profile: EmailProfile, onlyIfUnknown = false): EmailProfile {
		const known = this.profile();
		if (known !== null && onlyIfUnknown) return known;
		const held = { email: profile.email, emailNotifications: profile.emailNotifications };
		this.sql.exec(UPSERT_PROFILE, held.email, held.emailNotifications ? 1 : 0);
		this.held = held;
		return held;
	}

	/** Forgets what it read (the transaction that wrote it rolled back). */
	reload(): void {
		this.held = undefined;
	}

	/** Queues an email due at `now`, unless one with its id is queued already; answers whether it was added. */
	enqueue(id: string, recipient: string, content: EmailContent, now: number): boolean {
		return (
			this.sql
				.exec(
					`INSERT INTO email_outbox (id, recipient, subject, text, html, ics, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)
					 ON CONFLICT (id) DO NOTHING RETURNING id`,
					id,
					recipient,
					content.subject,
					content.text,
					content.html,
					content.ics,
					now,
				)
				.toArray().length > 0
		);
	}

	due(now: number, limit: number): OutgoingEmail[] {
		return this.sql
			.exec<OutboxRow>(
				"SELECT * FROM email_outbox WHERE dead_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
				now,
				limit,
			)
			.toArray()
			.map(({ next_attempt_at: _, last_error: __, dead_at: ___, ...email }) => email);
	}

	sent(id: string): void {
		this.sql.exec("DELETE FROM email_outbox WHERE id = ?", id);
	}

	/** Counts the failure; answers "retry" with the next try's time, or "dead" after the last attempt. */
	failed(id: string, error: string, now: number): { retryAt: number } | { dead: true; attempts: number } {
		const row = this.sql
			.exec<{ attempts: number }>(
				"UPDATE email_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? RETURNING attempts",
				error,
				id,
			)
			.one();
		const retryAt = emailRetryAt(row.attempts, now);
		if (retryAt === null) {
			this.sql.exec("UPDATE email_outbox SET dead_at = ? WHERE id = ?", now, id);
			return { dead: true, attempts: row.attempts };
		}
		this.sql.exec("UPDATE email_outbox SET next_attempt_at = ? WHERE id = ?", retryAt, id);
		return { retryAt };
	}

	/** When the next queued email is due; null when none is waiting. */
	nextDue(): number | null {
		return this.sql
			.exec<{ at: number | null }>(
				"SELECT min(next_attempt_at) AS at FROM email_outbox WHERE dead_at IS NULL",
			)
			.one().at;
	}

	/** Every row, for tests and operators: what is waiting and what is dead. */
	rows(): Array<{
		id: string;
		recipient: string;
		subject: string;
		text: string;
		attempts: number;
		dead: boolean;
		next_attempt_at: number;
	}> {
		return this.sql
			.exec<OutboxRow>("SELECT * FROM email_outbox ORDER BY id")
			.toArray()
			.map((r) => ({
				id: r.id,
				recipient: r.recipient,
				subject: r.subject,
				text: r.text,
				attempts: r.attempts,
				dead: r.dead_at !== null,
				next_attempt_at: r.next_attempt_at,
			}));
	}

	/** The account is gone: nothing more is sent to it. */
	clear(): void {
		this.sql.exec("DELETE FROM email_outbox");
		this.setProfile({ email: null, emailNotifications: false });
	}
}
