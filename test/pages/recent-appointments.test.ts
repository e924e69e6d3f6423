// Read-your-writes for "My appointments" (public/js/recent-appointments.js): the page's own results laid
// over a fetched list that may lag, until the list catches up or two minutes pass.
import { describe, expect, it } from "vitest";
import { createRecentAppointments, isNewer, KEEP_MS } from "../../public/js/recent-appointments.js";

interface Appointment {
	id: string;
	status: string;
	start: string;
	created_at: string;
	cancelled_at: string | null;
}

const T0 = Date.parse("2027-03-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const booked = (id: string, createdAt = T0): Appointment => ({
	id,
	status: "confirmed",
	start: "2027-03-15T09:00:00.000Z",
	created_at: iso(createdAt),
	cancelled_at: null,
});
const cancelled = (a: Appointment, at: number): Appointment => ({
	...a,
	status: "cancelled",
	cancelled_at: iso(at),
});

/** sessionStorage as the page has it, in memory. */
function memoryStorage() {
	const items = new Map<string, string>();
	return {
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		items,
	};
}

/** A store over `storage` with a clock the test moves. */
function setup(storage: ReturnType<typeof memoryStorage> | null = memoryStorage()) {
	const clock = { now: T0 + 1000 };
	const recent = createRecentAppointments<Appointment>({ storage, now: () => clock.now });
	return { recent, clock, storage };
}

describe("recent appointments over a lagging list", () => {
	it("shows a booking at once while the list does not have it yet, to its owner only", () => {
		const { recent } = setup();
		const mine = booked("a1");
		recent.remember("patient-1", mine);
		expect(recent.overlay("patient-1", [])).toEqual([mine]);
		expect(recent.overlay("patient-2", [])).toEqual([]);
	});

	it("keeps the fetched order and puts results the list lacks at the end", () => {
		const { recent } = setup();
		recent.remember("p", booked("new"));
		const listed = [booked("x"), booked("y")];
		expect(recent.overlay("p", listed).map((a) => a.id)).toEqual(["x", "y", "new"]);
	});

	it("lets go of a result once the list shows the same id with the same status", () => {
		const { recent, storage } = setup();
		const mine = booked("a1");
		recent.remember("p", mine);
		const listed = { ...mine, reason: "from the server" };
		expect(recent.overlay("p", [listed])).toEqual([listed]);
		// Gone for good: a later, lagging list (say, a stale cache) does not bring it back.
		expect(recent.overlay("p", [])).toEqual([]);
		expect(storage?.items.get("docslot.recent-appointments")).toBe("[]");
	});

	it("shows a cancel at once over a list that still says confirmed", () => {
		const { recent } = setup();
		const mine = booked("a1");
		const gone = cancelled(mine, T0 + 500);
		recent.remember("p", mine);
		recent.remember("p", gone);
		expect(recent.overlay("p", [mine])).toEqual([gone]);
		expect(recent.overlay("p", [gone])).toEqual([gone]);
	});

	it("gives way to a list that knows something newer (the doctor cancelled after the booking)", () => {
		const { recent } = setup();
		const mine = booked("a1");
		recent.remember("p", mine);
		const byDoctor = cancelled(mine, T0 + 30_000);
		expect(recent.overlay("p", [byDoctor])).toEqual([byDoctor]);
	});

	it("forgets a result after two minutes even if the list never shows it", () => {
		const { recent, clock } = setup();
		recent.remember("p", booked("a1"));
		clock.now += KEEP_MS - 1;
		expect(recent.overlay("p", [])).toHaveLength(1);
		clock.now += 1;
		expect(recent.overlay("p", [])).toEqual([]);
	});

	it("survives a reload: a new store over the same storage sees the results", () => {
		const storage = memoryStorage();
		const first = setup(storage);
		first.recent.remember("p", booked("a1"));
		const second = setup(storage);
		expect(second.recent.overlay("p", []).map((a) => a.id)).toEqual(["a1"]);
	});

	it("forgets a user's results on sign-out and keeps the others'", () => {
		const { recent } = setup();
		recent.remember("p", booked("a1"));
		recent.remember("q", booked("b1"));
		recent.forget("p");
		expect(recent.overlay("p", [])).toEqual([]);
		expect(recent.overlay("q", []).map((a) => a.id)).toEqual(["b1"]);
	});

	it("works in memory when storage is missing or throws", () => {
		const throwing = {
			getItem: () => {
				throw new Error("SecurityError");
			},
			setItem: () => {
				throw new Error("QuotaExceededError");
			},
			items: new Map<string, string>(),
		};
		for (const storage of [null, throwing]) {
			const { recent } = setup(storage);
			recent.remember("p", booked("a1"));
			expect(recent.overlay("p", []).map((a) => a.id)).toEqual(["a1"]);
		}
	});

	it.each([
		["not JSON", "{"],
		["not a list", '{"owner":"p"}'],
		[
			"entries of the wrong shape",
			'[{"owner":"p","at":"soon","appointment":{"id":"a1","status":"confirmed"}},null,7]',
		],
	])("ignores stored text that is %s", (_name, text) => {
		const storage = memoryStorage();
		storage.items.set("docslot.recent-appointments", text);
		const { recent } = setup(storage);
		expect(recent.overlay("p", [])).toEqual([]);
	});
});

describe("isNewer", () => {
	const mine = booked("a1");
	it.each([
		["the same status", mine, mine, false],
		["a cancel over a lagging confirmed copy", cancelled(mine, T0 + 1), mine, true],
		["a booking over a copy cancelled later", mine, cancelled(mine, T0 + 1), false],
		[
			"a different status with no timestamps on either",
			{ id: "a1", status: "cancelled" },
			{ id: "a1", status: "confirmed" },
			true,
		],
		[
			"a status change dated by history",
			{ ...mine, status: "checked_in", history: [{ at: iso(T0 + 5) }] },
			cancelled(mine, T0 + 1),
			true,
		],
	])("%s", (_name, local, listed, expected) => {
		expect(isNewer(local, listed)).toBe(expected);
	});
});
