// The Doctor object's series records (table `series`, migration 6 in doctor-store.ts). Every method is synchronous.
import type { SeriesRecord } from "../core/series";

/** The shape of a stored record; a later shape bumps it and reads the older one. */
const RECORD_VERSION = 1;

export class SeriesStore {
	constructor(private readonly storage: DurableObjectStorage) {}

	find(id: string): SeriesRecord | null {
		const row = this.storage.sql
			.exec<{ body: string }>("SELECT body FROM series WHERE id = ?", id)
			.toArray()[0];
		return row === undefined ? null : (JSON.parse(row.body) as SeriesRecord);
	}

	/** The series this requester began under this Idempotency-Key, if it is still kept. */
	findByKey(requester: string, key: string): SeriesRecord | null {
		const row = this.storage.sql
			.exec<{ body: string }>(
				"SELECT body FROM series WHERE requester = ? AND idempotency_key = ?",
				requester,
				key,
			)
			.toArray()[0];
		return row === undefined ? null : (JSON.parse(row.body) as SeriesRecord);
	}

	save(series: SeriesRecord): void {
		this.storage.sql.exec(
			"INSERT OR REPLACE INTO series (id, requester, idempotency_key, phase, body, record_version) VALUES (?, ?, ?, ?, ?, ?)",
			series.id,
			series.actor.userId,
			series.idempotencyKey,
			series.phase,
			JSON.stringify(series),
			RECORD_VERSION,
		);
	}

	/** An undone series leaves nothing: a retry with its key begins afresh. */
	delete(id: string): void {
		this.storage.sql.exec("DELETE FROM series WHERE id = ?", id);
	}
}
