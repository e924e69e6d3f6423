// Object storage schemas: a new object's `fresh` schema is exactly what the migrations add up to, and
// storage written by older code moves forward with nothing owed lost.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DOCTOR_SCHEMA } from "../../src/doctor/doctor-store";
import { DAY_SCHEMA } from "../../src/doctor-day/day-schema";
import { DayStore } from "../../src/doctor-day/day-store";
import { doctorDay } from "../../src/doctor-day/stub";
import { EventLog } from "../../src/events/event-log";
import { migrate, migrateStorage, type StorageSchema } from "../../src/lib/storage-migrations";
import { ROOM_SCHEMA } from "../../src/room/room-store";
import { USER_SCHEMA } from "../../src/user/user-store";
import { unique } from "../helpers";

/** Tables, columns and indexes, as SQLite reports them (not as their CREATE text was written). */
function shape(sql: SqlStorage) {
	const objects = sql
		.exec<{ type: string; name: string; tbl_name: string; sql: string | null }>(
			"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
		)
		.toArray();
	return objects.map((object) => {
		if (object.type === "table") {
			const columns = sql
				.exec(
					`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY name`,
					object.name,
				)
				.toArray();
			return { type: object.type, name: object.name, columns };
		}
		const columns = sql.exec("SELECT name FROM pragma_index_info(?) ORDER BY seqno", object.name).toArray();
		const where = object.sql?.replace(/\s+/g, " ").match(/ WHERE (.*)$/)?.[1] ?? null;
		return { type: object.type, name: object.name, table: object.tbl_name, columns, where };
	});
}

/** Runs `work` on the storage of a day object nobody has used (its constructor writes nothing). */
function onEmptyStorage<T>(work: (storage: DurableObjectStorage) => T): Promise<T> {
	const stub = doctorDay(env, unique("schema"), "2030-01-01");
	return runInDurableObject(stub, (_instance, state) => work(state.storage));
}

/** A view of `storage` that records each statement run on its SQL and each transaction it opens. */
function recording(storage: DurableObjectStorage) {
	const statements: string[] = [];
	let transactions = 0;
	const exec: SqlStorage["exec"] = (query, ...bindings) => {
		statements.push(query.replace(/\s+/g, " ").trim());
		return storage.sql.exec(query, ...bindings);
	};
	const view = {
		sql: { exec },
		transactionSync: <T>(work: () => T) => {
			transactions += 1;
			return storage.transactionSync(work);
		},
	} as unknown as DurableObjectStorage;
	return { storage: view, cost: () => ({ statements, transactions }) };
}

/** The schema as it stood after its first `count` migrations; on empty storage it replays them in order. */
function upTo(schema: StorageSchema, count: number): StorageSchema {
	const migrations = schema.migrations.slice(0, count);
	return { migrations, fresh: migrations.join("\n") };
}

describe.each([
	["doctor-day", DAY_SCHEMA],
	["Doctor", DOCTOR_SCHEMA],
	["Room", ROOM_SCHEMA],
	["User", USER_SCHEMA],
])("the %s storage schema", (_name, schema) => {
	it("gives a new object exactly what running every migration gives", async () => {
		const fresh = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, schema));
			return { shape: shape(storage.sql), version: storage.sql.exec("SELECT version FROM _schema").one() };
		});
		const replayed = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, upTo(schema, schema.migrations.length)));
			return { shape: shape(storage.sql), version: storage.sql.exec("SELECT version FROM _schema").one() };
		});
		expect(fresh.version).toEqual({ version: schema.migrations.length });
		expect(fresh).toEqual(replayed);
	});

	it("moves storage at every older version forward to the same schema", async () => {
		const target = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, schema));
			return shape(storage.sql);
		});
		for (let version = 1; version < schema.migrations.length; version++) {
			const moved = await onEmptyStorage((storage) => {
				storage.transactionSync(() => migrate(storage.sql, upTo(schema, version)));
				storage.transactionSync(() => migrate(storage.sql, schema));
				return shape(storage.sql);
			});
			expect(moved, `from version ${version}`).toEqual(target);
		}
	});

	it("costs a constructor one read of its version, and no transaction, once the storage is current", async () => {
		const cost = await onEmptyStorage((storage) => {
			migrateStorage(storage, schema);
			const recorded = recording(storage);
			migrateStorage(recorded.storage, schema);
			return recorded.cost();
		});
		expect(cost).toEqual({ statements: ["SELECT version FROM _schema"], transactions: 0 });
	});

	it("migrates older storage in a constructor like migrate does", async () => {
		const target = await onEmptyStorage((storage) => {
			migrateStorage(storage, schema);
			return shape(storage.sql);
		});
		const moved = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, upTo(schema, 1)));
			migrateStorage(storage, schema);
			return { shape: shape(storage.sql), version: storage.sql.exec("SELECT version FROM _schema").one() };
		});
		expect(moved).toEqual({ shape: target, version: { version: schema.migrations.length } });
	});

	it("refuses storage written by newer code, changing nothing", async () => {
		const result = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, schema));
			storage.sql.exec("UPDATE _schema SET version = version + 1");
			const before = shape(storage.sql);
			let refused = "";
			try {
				storage.transactionSync(() => migrate(storage.sql, schema));
			} catch (error) {
				refused = String(error);
			}
			return { refused, unchanged: JSON.stringify(shape(storage.sql)) === JSON.stringify(before) };
		});
		expect(result.refused).toContain("newer than this code's");
		expect(result.unchanged).toBe(true);
	});
});

describe("the day store's constructor", () => {
	/** What a new DayStore on `storage` runs: its statements and the transactions it opens. */
	function constructing(storage: DurableObjectStorage) {
		const recorded = recording(storage);
		new DayStore(recorded.storage);
		return recorded.cost();
	}

	it("reads only the schema version and the day row of a day at the current schema", async () => {
		const statements = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, DAY_SCHEMA));
			return constructing(storage);
		});
		expect(statements).toEqual({
			statements: ["SELECT version FROM _schema", "SELECT version, config FROM day WHERE id = 1"],
			transactions: 0,
		});
	});

	it("leaves a day never written empty, creating no table", async () => {
		const tables = await onEmptyStorage((storage) => {
			const { statements, transactions } = constructing(storage);
			const writes = statements.filter((s) => !s.startsWith("SELECT"));
			return { writes, transactions, shape: shape(storage.sql) };
		});
		expect(tables).toEqual({ writes: [], transactions: 0, shape: [] });
	});
});

describe("the day's event log across its schema versions", () => {
	it("carries what each consumer was owed from per-event delivery rows to cursors", async () => {
		const result = await onEmptyStorage((storage) => {
			const sql = storage.sql;
			storage.transactionSync(() => migrate(sql, upTo(DAY_SCHEMA, 2)));
			const body = (seq: number) => JSON.stringify({ type: "day.config_changed", seq });
			for (const seq of [4, 5, 6]) {
				sql.exec(
					"INSERT INTO events (seq, type, day_version, body, at) VALUES (?, 'day.config_changed', ?, ?, 0)",
					seq,
					seq,
					body(seq),
				);
			}
			// The projection still owes 5 and 6 (failing, 3 attempts, next try at 1234); the Doctor object owes 6.
			sql.exec(
				"INSERT INTO deliveries (consumer, seq, attempts, next_at) VALUES ('projection', 5, 3, 1234), ('projection', 6, 3, 1234), ('doctor', 6, 0, 0)",
			);
			storage.transactionSync(() => migrate(sql, DAY_SCHEMA));
			const log = new EventLog(sql);
			return {
				cursors: sql
					.exec("SELECT consumer, delivered_seq, attempts, next_at FROM event_cursors ORDER BY consumer")
					.toArray(),
				pending: log.pendingCount(),
				projectionNow: log.due("projection", 1000, 50).map((e) => e.seq),
				projectionLater: log.due("projection", 1234, 50).map((e) => e.seq),
				doctor: log.due("doctor", 0, 50).map((e) => e.seq),
			};
		});
		expect(result.cursors).toEqual([
			{ consumer: "doctor", delivered_seq: 5, attempts: 0, next_at: 0 },
			{ consumer: "projection", delivered_seq: 4, attempts: 3, next_at: 1234 },
		]);
		expect(result.pending).toBe(3);
		// Backing off until 1234, then retried one event at a time.
		expect(result.projectionNow).toEqual([]);
		expect(result.projectionLater).toEqual([5]);
		expect(result.doctor).toEqual([6]);
	});

	it("starts a consumer met for the first time at the events written after it joined", async () => {
		const result = await onEmptyStorage((storage) => {
			storage.transactionSync(() => migrate(storage.sql, DAY_SCHEMA));
			const log = new EventLog(storage.sql);
			const event = { type: "day.config_changed" } as never;
			log.append([event], 1, ["projection"], 0);
			log.delivered("projection", 1);
			log.append([event, event], 2, ["projection", "newcomer"], 0);
			return {
				projection: log.due("projection", 0, 50).map((e) => e.seq),
				newcomer: log.due("newcomer", 0, 50).map((e) => e.seq),
				leftAfterBoth: (() => {
					log.delivered("projection", 3);
					log.delivered("newcomer", 3);
					log.save();
					return storage.sql.exec("SELECT count(*) AS n FROM events").one().n;
				})(),
			};
		});
		expect(result).toEqual({ projection: [2, 3], newcomer: [2, 3], leftAfterBoth: 0 });
	});
});
