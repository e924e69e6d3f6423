// Objects migrate their own storage: an ordered list of SQL migrations, each applied once, in order.
// The number applied is kept in the object's own `_schema` row, so code and data move forward together.

export interface StorageSchema {
	/** Applied in order to storage that has an older schema; never edit one that shipped, add the next. */
	readonly migrations: readonly string[];
	/**
	 * What all the migrations add up to, written at once to empty storage: a new doctor-day is created on
	 * the booking path, where replaying the schema's history (table rebuilds included) costs milliseconds.
	 * Tested to give exactly the tables, columns and indexes the migrations give.
	 */
	readonly fresh: string;
}

/** Whether this object has ever written anything (any table at all). */
export function hasTables(sql: SqlStorage): boolean {
	return (
		sql
			.exec<{ n: number }>(
				"SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
			)
			.one().n > 0
	);
}

/** Brings the storage to the schema's latest version; call inside one transaction. */
export function migrate(sql: SqlStorage, schema: StorageSchema): void {
	const empty = !hasTables(sql);
	sql.exec(
		"CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
	);
	const { migrations } = schema;
	const applied = sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()[0]?.version ?? 0;
	if (applied > migrations.length) {
		throw new Error(`storage is at schema ${applied}, newer than this code's ${migrations.length}`);
	}
	if (applied === migrations.length) return;
	if (empty) sql.exec(schema.fresh);
	else for (const migration of migrations.slice(applied)) sql.exec(migration);
	sql.exec(
		"INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
		migrations.length,
	);
}
