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

/**
 * The schema version this storage was last migrated to: null before its first migration (no `_schema`
 * table yet). One read of one row, which is all that a constructor on current storage needs.
 */
export function storedVersion(sql: SqlStorage): number | null {
	try {
		return sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()[0]?.version ?? 0;
	} catch (error) {
		// Asking is the cheapest way to learn the table is there; only its absence means "never migrated".
		if (String(error).includes("no such table: _schema")) return null;
		throw error;
	}
}

/**
 * A constructor's migration. Storage at the schema's version costs one read (storedVersion) and no
 * transaction; anything older is brought forward in one transaction.
 */
export function migrateStorage(
	storage: DurableObjectStorage,
	schema: StorageSchema,
	stored = storedVersion(storage.sql),
): void {
	if (stored !== schema.migrations.length) storage.transactionSync(() => migrate(storage.sql, schema));
}

/**
 * migrateStorage for an object whose storage stays empty until its first change: empty storage is left
 * as it is. Answers whether the storage holds the schema now.
 */
export function migrateIfWritten(storage: DurableObjectStorage, schema: StorageSchema): boolean {
	const stored = storedVersion(storage.sql);
	if (stored === null && !hasTables(storage.sql)) return false;
	migrateStorage(storage, schema, stored);
	return true;
}

/** Brings the storage to the schema's latest version; call inside one transaction. */
export function migrate(sql: SqlStorage, schema: StorageSchema): void {
	const { migrations } = schema;
	const stored = storedVersion(sql);
	if (stored === migrations.length) return;
	if (stored !== null && stored > migrations.length) {
		throw new Error(`storage is at schema ${stored}, newer than this code's ${migrations.length}`);
	}
	if (stored !== null) {
		for (const migration of migrations.slice(stored)) sql.exec(migration);
	} else {
		// No `_schema` yet: storage never written gets the whole schema at once; storage written before
		// `_schema` existed replays every migration.
		const empty = !hasTables(sql);
		sql.exec("CREATE TABLE _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
		if (empty) sql.exec(schema.fresh);
		else for (const migration of migrations) sql.exec(migration);
	}
	sql.exec(
		"INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
		migrations.length,
	);
}
