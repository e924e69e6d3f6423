// Lists come a page at a time: `limit` (default 50, at most 200), `cursor`, `next_cursor` null on the last
// page; the pages together hold every row once, in order, and a cursor this API did not write is a 400.
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../src/api/pagination";
import { ADMIN, api, at, bearer, createDoctor, createPatient, inDays, unique } from "../helpers";

/** Every page of `path`, following next_cursor, with each page's size. */
async function allPages(path: string, field: string, headers: Record<string, string> = {}) {
	const sizes: number[] = [];
	const rows: { id: string }[] = [];
	let cursor: string | null = null;
	do {
		const join = path.includes("?") ? "&" : "?";
		const call = await api(
			"GET",
			cursor === null ? path : `${path}${join}cursor=${encodeURIComponent(cursor)}`,
			{
				headers,
			},
		);
		expect(call.status).toBe(200);
		sizes.push(call.body[field].length);
		rows.push(...call.body[field]);
		cursor = call.body.next_cursor;
	} while (cursor !== null);
	return { sizes, ids: rows.map((r) => r.id), rows };
}

async function listed(token: string, count: number): Promise<void> {
	const until = Date.now() + 5_000;
	// The list reads D1's projection, written after each booking's answer.
	while (
		(await api("GET", "/api/appointments?limit=200", { headers: bearer(token) })).body.appointments.length <
		count
	) {
		if (Date.now() > until) throw new Error("the projection did not catch up");
		await scheduler.wait(20);
	}
}

describe("paged lists", () => {
	it("pages a patient's appointments by start, every one exactly once", async () => {
		const doctor = await createDoctor({ capacity: 2 });
		const patient = await createPatient();
		const times = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"];
		for (const [i, time] of times.entries()) {
			const booked = await api("POST", "/api/appointments", {
				headers: bearer(patient.token),
				body: { doctor_id: doctor.id, start: at(inDays(2 + (i % 2)), time) },
			});
			expect(booked.status).toBe(201);
		}
		await listed(patient.token, times.length);
		const paged = await allPages("/api/appointments?limit=3", "appointments", bearer(patient.token));
		expect(paged.sizes).toEqual([3, 3, 1]);
		const whole = await api("GET", "/api/appointments", { headers: bearer(patient.token) });
		expect(whole.body.next_cursor).toBeNull();
		expect(paged.ids).toEqual(whole.body.appointments.map((a: { id: string }) => a.id));
		const starts = paged.rows.map((r) => (r as unknown as { start: string }).start);
		expect(starts).toEqual([...starts].sort());
		// Filters apply to every page.
		const oneDay = await allPages(
			`/api/appointments?limit=2&from=${inDays(2)}&to=${inDays(2)}`,
			"appointments",
			bearer(patient.token),
		);
		expect(oneDay.sizes).toEqual([2, 2]);
	});

	it("keeps its place when rows are added before it: nothing skipped or repeated", async () => {
		const doctor = await createDoctor({ capacity: 1 });
		const patient = await createPatient();
		const book = (time: string) =>
			api("POST", "/api/appointments", {
				headers: bearer(patient.token),
				body: { doctor_id: doctor.id, start: at(inDays(5), time) },
			});
		for (const time of ["10:00", "11:00", "12:00"]) expect((await book(time)).status).toBe(201);
		await listed(patient.token, 3);
		const first = await api("GET", "/api/appointments?limit=2", { headers: bearer(patient.token) });
		expect(first.body.appointments).toHaveLength(2);
		expect((await book("09:00")).status).toBe(201);
		await listed(patient.token, 4);
		const second = await api("GET", `/api/appointments?limit=2&cursor=${first.body.next_cursor}`, {
			headers: bearer(patient.token),
		});
		expect(second.body.appointments.map((a: { time: string }) => a.time)).toEqual(["12:00"]);
		expect(second.body.next_cursor).toBeNull();
	});

	it("pages doctors by name, and shows unapproved ones to admins only", async () => {
		const tag = unique("Page");
		for (const name of ["Ada", "Bo", "Cy", "Di", "Ed"]) await createDoctor({}, { name: `${tag} ${name}` });
		await createDoctor({}, { name: `${tag} Zed (unapproved)`, is_approved: false });
		const mine = (rows: { name?: string }[]) =>
			rows.filter((r) => r.name?.startsWith(tag)).map((r) => r.name);
		const publicList = await allPages("/api/doctors?limit=2", "doctors");
		expect(mine(publicList.rows as { name?: string }[])).toEqual(
			["Ada", "Bo", "Cy", "Di", "Ed"].map((n) => `${tag} ${n}`),
		);
		expect(new Set(publicList.ids).size).toBe(publicList.ids.length);
		const adminList = await allPages("/api/doctors?limit=200", "doctors", ADMIN);
		expect(mine(adminList.rows as { name?: string }[])).toContain(`${tag} Zed (unapproved)`);
	});

	it("refuses a made-up cursor and a limit out of range with 400, and defaults to 50", async () => {
		const patient = await createPatient();
		const headers = bearer(patient.token);
		for (const query of [
			"cursor=nonsense",
			`cursor=${encodeCursor([1, "x"])}`,
			"limit=0",
			"limit=201",
			"limit=ten",
		]) {
			const call = await api("GET", `/api/appointments?${query}`, { headers });
			expect([query, call.status, call.body.error?.code]).toEqual([query, 400, "VALIDATION_ERROR"]);
		}
		const doctors = await api("GET", "/api/doctors?cursor=%7B");
		expect([doctors.status, doctors.body.error?.code]).toEqual([400, "VALIDATION_ERROR"]);
		const none = await api("GET", "/api/appointments", { headers });
		expect(none.body).toEqual({ appointments: [], next_cursor: null });
	});

	it("encodes a position and reads it back, and reads nothing else as one", () => {
		const key = ["2027-03-15T09:00:00.000Z", "abc"] as const;
		expect(decodeCursor(encodeCursor(key), "string")).toEqual(key);
		expect(decodeCursor(undefined, "string")).toBeNull();
		expect(() => decodeCursor(encodeCursor([5, "x"]), "string")).toThrow(/cursor/);
		expect(() => decodeCursor(btoa(JSON.stringify(["a", "b", "c"])), "string")).toThrow(/cursor/);
	});
});
