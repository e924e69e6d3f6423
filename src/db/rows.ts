// Whole rows read with plain prepared statements, for the hottest reads: drizzle rebuilds a query's SQL on
// every call, which cost more CPU than the rest of a booking's D1 work. The columns and how each is decoded
// still come from the drizzle schema, so it stays the one place that names them.
import { getTableColumns, getTableName, type Table } from "drizzle-orm";

export interface RowReader<T extends Table> {
	/** `SELECT <every column> FROM <table>`, to finish with a WHERE clause. */
	select: string;
	/** A D1 result row (keyed by column name) as drizzle's select would give it. */
	decode(row: Record<string, unknown>): T["$inferSelect"];
}

export function rowReader<T extends Table>(table: T): RowReader<T> {
	const columns = Object.entries(getTableColumns(table));
	return {
		select: `SELECT ${columns.map(([, column]) => `"${column.name}"`).join(", ")} FROM "${getTableName(table)}"`,
		decode: (row) =>
			Object.fromEntries(
				columns.map(([key, column]) => {
					const value = row[column.name];
					return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
				}),
			) as T["$inferSelect"],
	};
}
