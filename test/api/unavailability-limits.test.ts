// Unavailability blocks: no exact duplicates, at most 48 a date, and a refused block changes nothing.
import { describe, expect, it } from "vitest";
import { ADMIN, api, bearer, type Call, createDoctor, inDays } from "../helpers";

const MAX_BLOCKS_PER_DATE = 48;

const clock = (minutes: number) =>
	`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** The i-th half hour of a day, 00:00–00:30 … 23:30–24:00. */
const halfHour = (i: number) => ({ start: clock(i * 30), end: clock(i * 30 + 30) });

function expectStatus(call: Call, status: number) {
	expect(call.status, JSON.stringify(call.body)).toBe(status);
}

/** What a refused write must leave as it was: the date's blocks and the day's version. */
async function state(doctorId: string, date: string) {
	const [blocks, day] = await Promise.all([
		api("GET", `/api/doctors/${doctorId}/unavailability?from=${date}&to=${date}`, { headers: ADMIN }),
		api("GET", `/api/doctors/${doctorId}/availability/date/${date}`),
	]);
	return { blocks: blocks.body.unavailability, version: day.body.version };
}

describe("an exact duplicate block", () => {
	it("is a 409 UNAVAILABILITY_EXISTS naming the block it duplicates, and changes nothing", async () => {
		const doctor = await createDoctor();
		const date = inDays(8);
		const add = (reason: string) =>
			api("POST", `/api/doctors/${doctor.id}/unavailability`, {
				headers: bearer(doctor.token),
				body: { date, start: "10:00", end: "11:00", reason },
			});
		const first = await add("Meeting");
		expectStatus(first, 201);
		const before = await state(doctor.id, date);
		const twin = await add("Another reason, same time");
		expectStatus(twin, 409);
		expect(twin.body.error).toEqual({
			code: "UNAVAILABILITY_EXISTS",
			message: `The doctor is already unavailable from 10:00 to 11:00 on ${date}.`,
			unavailability_id: first.body.unavailability.id,
		});
		expect(await state(doctor.id, date)).toEqual(before);
		// Overlapping is not duplicating: a doctor may block 10:30–12:00 as well.
		expectStatus(
			await api("POST", `/api/doctors/${doctor.id}/unavailability`, {
				headers: ADMIN,
				body: { date, start: "10:30", end: "12:00" },
			}),
			201,
		);
	});

	it("is written once when the same block is sent many times at once", async () => {
		const doctor = await createDoctor();
		const date = inDays(9);
		const calls = await Promise.all(
			Array.from({ length: 8 }, () =>
				api("POST", `/api/doctors/${doctor.id}/unavailability`, {
					headers: ADMIN,
					body: { date, start: "09:00", end: "09:30" },
				}),
			),
		);
		expect(calls.map((c) => c.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
		expect((await state(doctor.id, date)).blocks).toHaveLength(1);
	});

	it("cannot be made by moving a block onto another", async () => {
		const doctor = await createDoctor();
		const date = inDays(10);
		const path = `/api/doctors/${doctor.id}/unavailability`;
		const kept = await api("POST", path, { headers: ADMIN, body: { date, start: "09:00", end: "10:00" } });
		const other = await api("POST", path, { headers: ADMIN, body: { date, start: "14:00", end: "15:00" } });
		const before = await state(doctor.id, date);
		const moved = await api("PATCH", `${path}/${other.body.unavailability.id}`, {
			headers: ADMIN,
			body: { start: "09:00", end: "10:00" },
		});
		expectStatus(moved, 409);
		expect(moved.body.error).toMatchObject({
			code: "UNAVAILABILITY_EXISTS",
			unavailability_id: kept.body.unavailability.id,
		});
		expect(await state(doctor.id, date)).toEqual(before);
	});
});

describe(`at most ${MAX_BLOCKS_PER_DATE} blocks a date`, () => {
	it("refuses one more with 409 UNAVAILABILITY_LIMIT, but not on another date or when editing in place", async () => {
		const doctor = await createDoctor();
		const date = inDays(11);
		const path = `/api/doctors/${doctor.id}/unavailability`;
		const add = (day: string, range: { start: string; end: string }) =>
			api("POST", path, { headers: ADMIN, body: { date: day, ...range } });
		const blocks: Call[] = [];
		for (let i = 0; i < MAX_BLOCKS_PER_DATE; i++) blocks.push(await add(date, halfHour(i)));
		for (const block of blocks) expectStatus(block, 201);
		const elsewhere = await add(inDays(12), { start: "10:00", end: "10:15" });
		expectStatus(elsewhere, 201);
		const before = await state(doctor.id, date);

		const over = await add(date, { start: "10:00", end: "10:15" });
		expectStatus(over, 409);
		expect(over.body.error).toEqual({
			code: "UNAVAILABILITY_LIMIT",
			message: `${date} already has 48 unavailability blocks: change or remove one, or block a longer time.`,
			limit: MAX_BLOCKS_PER_DATE,
		});
		const movedIn = await api("PATCH", `${path}/${elsewhere.body.unavailability.id}`, {
			headers: ADMIN,
			body: { date },
		});
		expectStatus(movedIn, 409);
		expect(movedIn.body.error.code).toBe("UNAVAILABILITY_LIMIT");
		expect(await state(doctor.id, date)).toEqual(before);

		const first = blocks[0]?.body.unavailability.id;
		const edited = await api("PATCH", `${path}/${first}`, {
			headers: ADMIN,
			body: { reason: "Night", end: "00:15" },
		});
		expectStatus(edited, 200);
		expect(edited.body.unavailability).toMatchObject({ start: "00:00", end: "00:15", reason: "Night" });
	});
});
