// A history checker for concurrent runs against one doctor-day, usable from the Workers tests and the e2e ones.
//
// A history is every request of the run with the logical times it was sent and answered, the answers (reads
// carry the day's `version`), the day's log of committed changes as its live socket announced them (one
// `update` per version with the changed slots' counts), the final read and the appointments read back.
// `checkHistory` answers every way the history cannot come from one sequential order of the requests,
// checking only what must hold for any such order (linearizability), and nothing about timing.
// A request that got no answer (cut off by a crash or a dev-server proxy failure) has status 0: it may or may
// not have taken effect, any time after it was sent, and the checker allows both.

export interface Counts {
	[slotStart: string]: number;
}

export type Op =
	| {
			kind: "book";
			slot: string;
			invoke: number;
			/** Infinity when no answer came. */
			respond: number;
			/** 0: no answer, so the outcome is unknown. */
			status: number;
			/** Who booked: attributes an appointment of an unanswered request to it. */
			patient?: string;
			/** Set for a 201. */
			id?: string;
			code?: string;
			/** `current_bookings` of a SLOT_FULL refusal. */
			currentBookings?: number;
	  }
	| {
			kind: "cancel";
			id: string;
			slot: string;
			invoke: number;
			respond: number;
			status: number /* 0: unknown */;
	  }
	| { kind: "read"; invoke: number; respond: number; version: number; counts: Counts };

export interface History {
	capacity: number;
	slots: string[];
	/** The day as the socket's snapshot showed it before any request. */
	initial: { version: number; counts: Counts };
	/** The socket's updates, in the order they arrived: each version with the counts of the slots it changed. */
	log: Array<{ version: number; changed: Counts }>;
	ops: Op[];
	/** Read after every request was answered. */
	final: { version: number; counts: Counts };
	/** Each acknowledged appointment as read back by id afterwards (null: not found). */
	readBack: Record<string, { status: string; start: string } | null>;
	/**
	 * The index (D1) afterwards: each appointment's status and, where known, the day version that wrote it
	 * (a booking's version while confirmed; its cancellation's once cancelled).
	 */
	index?: Record<string, { status: string; start: string; patient?: string; dayVersion?: number }>;
	/** Every request of `ops` up to this logical time was a book or a read (no cancellation yet). */
	booksOnlyUntil?: number;
}

interface State {
	version: number;
	counts: Counts;
	/** The slot this version changed and by how much (+1 booking, -1 cancellation); none for the initial state. */
	delta?: { slot: string; by: number };
}

/** Everything wrong with the history; empty when one sequential order explains it. */
export function checkHistory(h: History): string[] {
	const problems: string[] = [];
	const fail = (message: string) => {
		if (problems.length < 25) problems.push(message);
	};

	// 1. The log: versions strictly increase, each change moves one slot by one place, never past capacity.
	const states: State[] = [{ version: h.initial.version, counts: { ...h.initial.counts } }];
	for (const entry of h.log) {
		const previous = states.at(-1) as State;
		if (entry.version <= previous.version)
			fail(`update ${entry.version} does not follow ${previous.version}`);
		const counts = { ...previous.counts, ...entry.changed };
		const moved = h.slots.filter((s) => (counts[s] ?? 0) !== (previous.counts[s] ?? 0));
		if (moved.length !== 1) fail(`update ${entry.version} moves ${moved.length} slots (${moved.join(", ")})`);
		const slot = moved[0] ?? "";
		const by = (counts[slot] ?? 0) - (previous.counts[slot] ?? 0);
		if (Math.abs(by) !== 1) fail(`update ${entry.version} moves ${slot} by ${by}`);
		for (const s of h.slots) {
			const n = counts[s] ?? 0;
			if (n > h.capacity) fail(`update ${entry.version}: ${s} holds ${n} > capacity ${h.capacity}`);
			if (n < 0) fail(`update ${entry.version}: ${s} holds ${n}`);
		}
		states.push({ version: entry.version, counts, delta: { slot, by } });
	}
	const byVersion = new Map(states.map((s) => [s.version, s]));
	const last = states.at(-1) as State;

	// 2. Reads: each shows exactly the state its version names, and real-time order never runs backwards.
	const reads = h.ops.filter((o): o is Extract<Op, { kind: "read" }> => o.kind === "read");
	const finalRead = {
		kind: "read" as const,
		invoke: Number.MAX_SAFE_INTEGER - 1,
		respond: Number.MAX_SAFE_INTEGER,
		...h.final,
	};
	for (const read of [...reads, finalRead]) {
		const state = byVersion.get(read.version);
		if (state === undefined) {
			fail(`a read shows version ${read.version}, which no update announced`);
			continue;
		}
		for (const s of h.slots) {
			if ((read.counts[s] ?? 0) !== (state.counts[s] ?? 0))
				fail(
					`read of version ${read.version}: ${s} booked ${read.counts[s] ?? 0}, the log says ${state.counts[s] ?? 0}`,
				);
		}
	}
	for (const a of reads) {
		for (const b of reads) {
			if (a.respond < b.invoke && a.version > b.version)
				fail(`a read answered version ${a.version} before another began, which then answered ${b.version}`);
		}
	}
	if (h.final.version !== last.version) fail(`final version ${h.final.version}, last update ${last.version}`);

	// Version windows: an operation took effect after every read that had answered before it was sent, and
	// no later than any read sent after it was answered.
	const windowOf = (invoke: number, respond: number) => {
		let lo = h.initial.version;
		let hi = h.final.version;
		for (const r of reads) {
			if (r.respond < invoke) lo = Math.max(lo, r.version);
			if (r.invoke > respond) hi = Math.min(hi, r.version);
		}
		return { lo, hi };
	};

	// 3. Every acknowledged booking and cancellation is one change of its slot inside its window; nothing
	// else changed, except what unanswered requests may have done.
	const books = h.ops.filter((o): o is Extract<Op, { kind: "book" }> => o.kind === "book");
	const cancels = h.ops.filter((o): o is Extract<Op, { kind: "cancel" }> => o.kind === "cancel");
	const booked = books.filter((b) => b.status === 201);
	const unanswered = books.filter((b) => b.status === 0);
	const byId = new Map<string, Extract<Op, { kind: "cancel" }>[]>();
	for (const c of cancels.filter((c) => c.status === 200 || c.status === 0))
		byId.set(c.id, [...(byId.get(c.id) ?? []), c]);
	/** Appointments a cancellation was acknowledged for; and those only an unanswered one was sent for. */
	const cancelledIds = new Map([...byId].filter(([, group]) => group.some((c) => c.status === 200)));
	const maybeCancelled = new Set([...byId].filter(([id]) => !cancelledIds.has(id)).map(([id]) => id));
	for (const slot of h.slots) {
		const ups = states.filter((s) => s.delta?.slot === slot && s.delta.by === 1).map((s) => s.version);
		const downs = states.filter((s) => s.delta?.slot === slot && s.delta.by === -1).map((s) => s.version);
		const slotBooks = booked.filter((b) => b.slot === slot).map((b) => windowOf(b.invoke, b.respond));
		const slotMaybeBooks = unanswered
			.filter((b) => b.slot === slot)
			.map((b) => windowOf(b.invoke, b.respond));
		// Repeated cancellations of one appointment free its place once, inside one of their windows.
		const hull = (group: Extract<Op, { kind: "cancel" }>[]) => {
			const windows = group.map((c) => windowOf(c.invoke, c.respond));
			return { lo: Math.min(...windows.map((w) => w.lo)), hi: Math.max(...windows.map((w) => w.hi)) };
		};
		const slotCancels = [...cancelledIds.values()].filter((g) => g[0]?.slot === slot).map(hull);
		const slotMaybeCancels = [...maybeCancelled]
			.map((id) => byId.get(id) ?? [])
			.filter((g) => g[0]?.slot === slot)
			.map(hull);
		if (ups.length < slotBooks.length || ups.length > slotBooks.length + slotMaybeBooks.length)
			fail(
				`${slot}: ${slotBooks.length} bookings acknowledged (${slotMaybeBooks.length} unanswered), ${ups.length} taken places in the log`,
			);
		if (downs.length < slotCancels.length || downs.length > slotCancels.length + slotMaybeCancels.length)
			fail(
				`${slot}: ${slotCancels.length} appointments cancelled (${slotMaybeCancels.length} unanswered), ${downs.length} freed places in the log`,
			);
		if (!matchable(ups, slotBooks, slotMaybeBooks))
			fail(`${slot}: the log's bookings do not fit the requests' real-time windows`);
		if (!matchable(downs, slotCancels, slotMaybeCancels))
			fail(`${slot}: the log's cancellations do not fit the requests' windows`);
	}

	// A SLOT_FULL refusal saw the slot full at some version of its window.
	for (const b of books.filter((b) => b.code === "SLOT_FULL")) {
		const { lo, hi } = windowOf(b.invoke, b.respond);
		const seen = states.some(
			(s) =>
				s.version >= lo &&
				s.version <= hi &&
				(s.counts[b.slot] ?? 0) === b.currentBookings &&
				(b.currentBookings ?? 0) >= h.capacity,
		);
		if (!seen)
			fail(
				`SLOT_FULL at ${b.slot} (current_bookings ${b.currentBookings}) but the slot was never full in versions ${lo}..${hi}`,
			);
	}
	for (const b of books.filter((b) => b.status !== 201 && b.status !== 0 && b.code !== "SLOT_FULL"))
		fail(`booking ${b.slot} answered ${b.status} ${b.code ?? ""}: unexpected in this run`);
	for (const c of cancels.filter((c) => c.status !== 200 && c.status !== 0))
		fail(`cancelling ${c.id} answered ${c.status}`);

	// 4. Books-only phase: every change up to its end took a place, so counts only grew.
	if (h.booksOnlyUntil !== undefined) {
		const phaseEnd = Math.max(
			h.initial.version,
			...reads.filter((r) => r.respond <= (h.booksOnlyUntil ?? 0)).map((r) => r.version),
		);
		for (const s of states)
			if (s.version <= phaseEnd && s.delta !== undefined && s.delta.by !== 1)
				fail(`version ${s.version} freed a place during the books-only phase`);
	}

	// 5. The end: every acknowledged booking is there, cancelled ones are not counted, the counts are exact
	// (up to what unanswered requests may have done).
	const statusOf = (id: string) =>
		cancelledIds.has(id)
			? ["cancelled"]
			: maybeCancelled.has(id)
				? ["confirmed", "cancelled"]
				: ["confirmed"];
	for (const b of booked) {
		const id = b.id as string;
		const held = h.readBack[id];
		if (held === null || held === undefined) fail(`acknowledged appointment ${id} is missing`);
		else if (!statusOf(id).includes(held.status))
			fail(`appointment ${id} is ${held.status}, expected ${statusOf(id).join(" or ")}`);
		else if (held.start !== b.slot) fail(`appointment ${id} moved to ${held.start}`);
	}
	for (const slot of h.slots) {
		const held = booked.filter((b) => b.slot === slot && h.readBack[b.id as string]?.status === "confirmed");
		const extra = unanswered.filter((b) => b.slot === slot).length;
		const count = h.final.counts[slot] ?? 0;
		if (count < held.length || count > held.length + extra)
			fail(
				`${slot}: ${count} booked at the end, ${held.length} acknowledged and confirmed (${extra} unanswered)`,
			);
	}

	// 6. The index: the same appointments with the same statuses, each written by the version of its change.
	if (h.index !== undefined) {
		const index = h.index;
		for (const b of booked) {
			const id = b.id as string;
			const row = index[id];
			if (row === undefined) {
				fail(`the index misses ${id}`);
				continue;
			}
			if (!statusOf(id).includes(row.status))
				fail(`the index has ${id} ${row.status}, expected ${statusOf(id).join(" or ")}`);
			const want = row.status;
			if (row.dayVersion === undefined) continue;
			const state = byVersion.get(row.dayVersion);
			const by = want === "confirmed" ? 1 : -1;
			if (state?.delta?.slot !== b.slot || state.delta.by !== by)
				fail(
					`the index says version ${row.dayVersion} wrote ${id} (${want}), but that version did not ${by > 0 ? "take" : "free"} a place at ${b.slot}`,
				);
			else {
				const ops = want === "confirmed" ? [b] : (byId.get(id) ?? []);
				const fits = ops.some((o) => {
					const w = windowOf(o.invoke, o.respond);
					return row.dayVersion !== undefined && row.dayVersion > w.lo && row.dayVersion <= w.hi;
				});
				if (!fits) fail(`the index's version ${row.dayVersion} for ${id} is outside its request's window`);
			}
		}
		const acknowledged = new Set(booked.map((b) => b.id));
		const claimable = [...unanswered];
		const perSlot = new Map<string, number>();
		for (const [id, row] of Object.entries(index)) {
			if (row.status === "confirmed") perSlot.set(row.start, (perSlot.get(row.start) ?? 0) + 1);
			if (acknowledged.has(id)) continue;
			// An appointment no answer named must be an unanswered request's: same patient, same slot.
			const owner = claimable.findIndex((b) => b.patient === row.patient && b.slot === row.start);
			if (owner === -1 || row.patient === undefined)
				fail(`the index holds ${id} (${row.status}), which no request was answered with`);
			else claimable.splice(owner, 1);
		}
		for (const slot of h.slots) {
			if ((perSlot.get(slot) ?? 0) !== (h.final.counts[slot] ?? 0))
				fail(
					`${slot}: the index confirms ${perSlot.get(slot) ?? 0}, the day counts ${h.final.counts[slot] ?? 0}`,
				);
		}
	}
	return problems;
}

/**
 * Whether every point of `points` can take its own interval (lo, hi], every `required` interval getting one
 * and `optional` ones (unanswered requests) as needed: points in order, each to the open interval that
 * closes first, a required one on a tie. Optional intervals close last of all (they run to the end), so
 * this greedy choice never spends a point a required interval needed.
 */
function matchable(
	points: number[],
	required: Array<{ lo: number; hi: number }>,
	optional: Array<{ lo: number; hi: number }> = [],
): boolean {
	const open = [
		...required.map((w) => ({ ...w, required: true })),
		...optional.map((w) => ({ ...w, required: false })),
	];
	for (const p of [...points].sort((a, b) => a - b)) {
		const candidates = open
			.filter((w) => w.lo < p && p <= w.hi)
			.sort((a, b) => a.hi - b.hi || Number(b.required) - Number(a.required));
		const chosen = candidates[0];
		if (chosen === undefined) return false;
		open.splice(open.indexOf(chosen), 1);
		if (open.some((w) => w.required && w.hi < p)) return false;
	}
	return open.every((w) => !w.required);
}
