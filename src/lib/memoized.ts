// Per-isolate results of work that depends only on its argument (keys from secrets, digests of them).

/**
 * `make`, remembered per argument for the isolate's life. A promise that fails is forgotten, so the next
 * call tries again. Only for arguments from a small fixed set (the Worker's own secrets): nothing is evicted.
 */
export function memoized<A, R>(make: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
	const results = new Map<A, Promise<R>>();
	return (arg) => {
		let result = results.get(arg);
		if (result === undefined) {
			result = make(arg);
			result.catch(() => results.delete(arg));
			results.set(arg, result);
		}
		return result;
	};
}
