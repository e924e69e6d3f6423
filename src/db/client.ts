// The drizzle client over the D1 binding, built once per binding: building it walks the whole schema.
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof build>;

const clients = new WeakMap<D1Database, Db>();

function build(d1: D1Database) {
	return drizzle(d1, { schema });
}

export function database(d1: D1Database): Db {
	let db = clients.get(d1);
	if (db === undefined) {
		db = build(d1);
		clients.set(d1, db);
	}
	return db;
}
