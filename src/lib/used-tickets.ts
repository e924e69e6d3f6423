// Live tickets are single-use: the object that accepts a socket keeps each used ticket id until the ticket
// expires (it refuses expired tickets by its own clock, so a forgotten id can only be a refused one).

export const USED_TICKETS_TABLE = `CREATE TABLE used_tickets (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
	CREATE INDEX used_tickets_expiry ON used_tickets (expires_at)`;

/** Records a ticket as used; false when it already was (a replay). */
export function useTicket(sql: SqlStorage, id: string, expiresAt: number): boolean {
	return (
		sql
			.exec(
				"INSERT INTO used_tickets (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
				id,
				expiresAt,
			)
			.toArray().length === 1
	);
}

/** Forgets tickets expired by `now`; answers the next expiry, if any. */
export function forgetTicketsUntil(sql: SqlStorage, now: number): number | null {
	sql.exec("DELETE FROM used_tickets WHERE expires_at <= ?", now);
	return sql.exec<{ next: number | null }>("SELECT min(expires_at) AS next FROM used_tickets").one().next;
}
