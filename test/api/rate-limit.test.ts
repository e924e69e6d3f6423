// Rate limits, on for this file only: the app is called with RATE_LIMITS "on" and a client address per test.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { at, bearer, createDoctor, createPatient, inDays, inOneWindow, unique } from "../helpers";

const app = createApp();
const limited = { ...env, RATE_LIMITS: "on" };

function post(path: string, ip: string, body: unknown, headers: Record<string, string> = {}) {
	return app.request(
		path,
		{
			method: "POST",
			headers: { "content-type": "application/json", "cf-connecting-ip": ip, ...headers },
			body: JSON.stringify(body),
		},
		limited,
	);
}

async function statuses(responses: Response[]) {
	return Promise.all(
		responses.map(async (r) =>
			r.status === 429 ? `429 ${((await r.json()) as { error: { code: string } }).error.code}` : r.status,
		),
	);
}

async function registered(password: string): Promise<string> {
	const email = `${unique("victim")}@x.test`;
	const response = await post("/api/auth/register", unique("192.0.2"), { email, password, name: "V" });
	expect(response.status).toBe(201);
	return email;
}

describe("rate limits", () => {
	it("refuses the 6th registration a minute from one address with 429 RATE_LIMITED and Retry-After", async () => {
		const responses = await inOneWindow(async () => {
			const ip = unique("203.0.113");
			const sent: Response[] = [];
			for (let i = 0; i < 6; i += 1) {
				sent.push(
					await post("/api/auth/register", ip, {
						email: `${unique("r")}@x.test`,
						password: "long-enough-1",
						name: "R",
					}),
				);
			}
			return sent;
		});
		expect(await statuses(responses)).toEqual([201, 201, 201, 201, 201, "429 RATE_LIMITED"]);
		expect(responses[5]?.headers.get("retry-after")).toBe("60");
		const elsewhere = await post("/api/auth/register", unique("198.51.100"), {
			email: `${unique("r")}@x.test`,
			password: "long-enough-1",
			name: "R",
		});
		expect(elsewhere.status).toBe(201);
	});

	it("slows guessing one account from one address: the 6th attempt a minute is refused, right password too", async () => {
		const email = await registered("the-real-password");
		const codes = await inOneWindow(async () => {
			const ip = unique("10.7");
			const attempts: Response[] = [];
			for (let i = 0; i < 5; i += 1)
				attempts.push(await post("/api/auth/login", ip, { email, password: `guess-${i}` }));
			attempts.push(await post("/api/auth/login", ip, { email, password: "the-real-password" }));
			return statuses(attempts);
		});
		expect(codes).toEqual([401, 401, 401, 401, 401, "429 RATE_LIMITED"]);
	});

	it("limits password reset requests like logins: the 6th a minute for one email from one address is refused", async () => {
		const email = `${unique("nobody")}@x.test`;
		const codes = await inOneWindow(async () => {
			const ip = unique("10.8");
			const attempts: Response[] = [];
			for (let i = 0; i < 6; i += 1) attempts.push(await post("/api/auth/password-reset", ip, { email }));
			return statuses(attempts);
		});
		expect(codes).toEqual([202, 202, 202, 202, 202, "429 RATE_LIMITED"]);
	});

	it("never refuses the right password because of failures from other addresses", async () => {
		const email = await registered("the-real-password");
		// Twelve addresses, guessing as fast as each may: the account is not locked for anyone else.
		const guesses: Response[] = [];
		for (let i = 0; i < 12; i += 1) {
			const ip = unique("10.9");
			for (let j = 0; j < 5; j += 1)
				guesses.push(await post("/api/auth/login", ip, { email, password: "nope" }));
		}
		expect(new Set(await statuses(guesses))).toEqual(new Set([401]));
		const owner = await post("/api/auth/login", unique("192.0.2"), { email, password: "the-real-password" });
		expect(owner.status).toBe(200);
	});

	it("limits login attempts per address across accounts", async () => {
		const codes = await inOneWindow(async () => {
			const ip = unique("10.8");
			const attempts: Response[] = [];
			for (let i = 0; i < 11; i += 1) {
				attempts.push(
					await post("/api/auth/login", ip, { email: `${unique("nobody")}@x.test`, password: "x" }),
				);
			}
			return statuses(attempts);
		});
		expect(codes).toEqual([...Array(10).fill(401), "429 RATE_LIMITED"]);
	});

	it("limits booking attempts per address, counting refused ones too", async () => {
		const doctor = await createDoctor({ capacity: 100 });
		let run = 0;
		// One minute's window: the local limiter starts afresh on the minute, so a burst across it is redone.
		const codes = await inOneWindow(async () => {
			const date = inDays(3 + run++);
			const ip = unique("100.64");
			const patients = await Promise.all(Array.from({ length: 31 }, () => createPatient()));
			const responses: Response[] = [];
			for (const patient of patients) {
				responses.push(
					await post(
						"/api/appointments",
						ip,
						{ doctor_id: doctor.id, start: at(date, "09:00") },
						bearer(patient.token),
					),
				);
			}
			return statuses(responses);
		});
		expect(codes.filter((c) => c === 201)).toHaveLength(30);
		expect(codes.at(-1)).toBe("429 RATE_LIMITED");
	});
});

describe("rate limits on the routes", () => {
	const get = (path: string, ip: string, headers: Record<string, string> = {}) =>
		app.request(path, { headers: { "cf-connecting-ip": ip, ...headers } }, limited);

	it("limits one user's bookings from any address, and one address's live requests", async () => {
		const doctor = await createDoctor({ capacity: 50 });
		const patient = await createPatient();
		await inOneWindow(async () => {
			const bookings: Response[] = [];
			for (let i = 0; i < 11; i += 1) {
				bookings.push(
					await post(
						"/api/appointments",
						unique("198.51.100"),
						{ doctor_id: doctor.id, start: at(inDays(3 + i), "09:00") },
						bearer(patient.token),
					),
				);
			}
			expect((await statuses(bookings)).at(-1)).toBe("429 RATE_LIMITED");
			const ip = unique("203.0.113");
			const live: Response[] = [];
			for (let i = 0; i < 61; i += 1)
				live.push(await get(`/api/doctors/${doctor.id}/availability/date/${inDays(2)}/live`, ip));
			expect((await statuses(live)).slice(-2)).toEqual([426, "429 RATE_LIMITED"]);
		});
	});

	it("limits one address's public availability reads", async () => {
		const doctor = await createDoctor();
		const ip = unique("203.0.113");
		const read = () => get(`/api/doctors/${doctor.id}/availability/date/${inDays(1)}`, ip);
		await inOneWindow(async () => {
			expect((await read()).status).toBe(200);
			// Spend the rest of the address's budget straight on the binding the route uses, then read again.
			for (let i = 1; i < 600; i += 1) await env.PUBLIC_READ_LIMIT.limit({ key: ip });
			expect(await statuses([await read()])).toEqual(["429 RATE_LIMITED"]);
		});
	});
});
