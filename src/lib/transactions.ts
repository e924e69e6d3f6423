// An object's storage and the mirrors it keeps of it in memory must agree: a transaction that throws rolls
// the storage back, and the mirrors written inside it are dropped with it, to be read again when next asked.

/** Runs `work` in one synchronous transaction; if it throws, `reload` forgets the mirrors and it rethrows. */
export function transactionWithMirrors<T>(
	storage: DurableObjectStorage,
	work: () => T,
	reload: () => void,
): T {
	try {
		return storage.transactionSync(work);
	} catch (error) {
		reload();
		throw error;
	}
}
