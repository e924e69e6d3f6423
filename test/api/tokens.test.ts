// Bearer tokens: the scheme in any case, and only the exact issued spelling of a token.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isCanonicalJwt, issueToken } from "../../src/api/auth";
import { api, createPatient, unique } from "../helpers";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function appointments(authorization: string) {
	return api("GET", "/api/appointments", { headers: { authorization } });
}

/** A freshly issued token that `fits`. */
async function issuedToken(fits: (token: string) => boolean): Promise<string> {
	for (;;) {
		const token = await issueToken({ userId: unique("p"), role: "patient", doctorId: null }, env.AUTH_SECRET);
		if (fits(token)) return token;
	}
}

/** A valid token, and the same token with a spare bit of its signature's last character set. */
async function tokenWithStrayBit(): Promise<{ token: string; stray: string }> {
	// 43 characters carry 258 bits for 256: the last character's two low bits are spare, zero as issued.
	const token = await issuedToken((t) => ALPHABET.indexOf(t.at(-1) as string) % 4 === 0);
	const index = ALPHABET.indexOf(token.at(-1) as string);
	return { token, stray: token.slice(0, -1) + ALPHABET[index + 1] };
}

describe("the Authorization header", () => {
	it.each(["Bearer", "bearer", "BEARER", "bEaReR"])("accepts the scheme written %s", async (scheme) => {
		const patient = await createPatient();
		const call = await appointments(`${scheme} ${patient.token}`);
		expect(call.status).toBe(200);
	});

	it.each([
		["another scheme", (t: string) => `Basic ${t}`],
		["no space", (t: string) => `Bearer${t}`],
		["a token in two parts", (t: string) => `Bearer ${t} x`],
	])("answers 401 UNAUTHORIZED to %s", async (_, write) => {
		const patient = await createPatient();
		const call = await appointments(write(patient.token));
		expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
	});
});

describe("token spelling", () => {
	it("accepts the token as issued", async () => {
		const { token } = await tokenWithStrayBit();
		expect((await appointments(`Bearer ${token}`)).status).toBe(200);
	});

	it.each([
		["a padded signature", (t: string) => `${t}=`],
		["a signature padded twice", (t: string) => `${t}==`],
		["a padded header", (t: string) => t.replace(".", "=.")],
		["a padded payload", (t: string) => t.replace(/\.([^.]*)\./, ".$1=.")],
		["a fourth segment", (t: string) => `${t}.`],
		["a shortened signature", (t: string) => t.slice(0, -1)],
	])("refuses %s with 401 UNAUTHORIZED", async (_, respell) => {
		const { token } = await tokenWithStrayBit();
		const call = await appointments(`Bearer ${respell(token)}`);
		expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
	});

	it("refuses a signature whose last character sets a spare bit, though it decodes to the same bytes", async () => {
		const { stray } = await tokenWithStrayBit();
		const call = await appointments(`Bearer ${stray}`);
		expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
	});

	it("refuses a signature spelled with standard base64's + and / instead of - and _", async () => {
		const token = await issuedToken((t) => /[-_]/.test(t.split(".")[2] as string));
		const [header, payload, signature] = token.split(".") as [string, string, string];
		const respelled = `${header}.${payload}.${signature.replaceAll("-", "+").replaceAll("_", "/")}`;
		const call = await appointments(`Bearer ${respelled}`);
		expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
	});

	it("refuses the same when asking for a live ticket, and the doctor's feed takes no token at all", async () => {
		const { stray } = await tokenWithStrayBit();
		const ticket = await api("POST", "/api/live-tickets", {
			headers: { authorization: `Bearer ${stray}` },
			body: { channel: "doctor", doctor_id: "anyone" },
		});
		expect([ticket.status, ticket.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
		const { token } = await tokenWithStrayBit();
		const feed = await api("GET", `/api/doctors/anyone/live?token=${token}`, {
			headers: { upgrade: "websocket" },
		});
		expect([feed.status, feed.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
	});

	it.each([
		[
			"a 2-character tail with spare bits set",
			"eyJhbGciOiJIUzI1NiJ9.eR.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			false,
		],
		[
			"a 2-character tail with spare bits clear",
			"eyJhbGciOiJIUzI1NiJ9.eQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			true,
		],
		[
			"a 5-character segment, which no byte count makes",
			"eyJhbGciOiJIUzI1NiJ9.eyJhY.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			false,
		],
		["an empty payload", "eyJhbGciOiJIUzI1NiJ9..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false],
		[
			"a 44-character signature",
			"eyJhbGciOiJIUzI1NiJ9.eQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			false,
		],
	])("tells canonical shapes apart: %s", (_, token, canonical) => {
		expect(isCanonicalJwt(token)).toBe(canonical);
	});
});

describe("checking a token, request after request", () => {
	afterEach(() => vi.restoreAllMocks());

	it("imports the signing key once per isolate, and digests the admin token once: not per request", async () => {
		const [first, second] = [await createPatient(), await createPatient()];
		expect((await appointments(`Bearer ${first.token}`)).status).toBe(200);
		const imports = vi.spyOn(crypto.subtle, "importKey");
		const digests = vi.spyOn(crypto.subtle, "digest");
		for (const token of [first.token, second.token])
			expect((await appointments(`Bearer ${token}`)).status).toBe(200);
		expect(
			imports.mock.calls.filter(([, , algorithm]) => JSON.stringify(algorithm).includes("HMAC")),
		).toEqual([]);
		// The caller's token against ADMIN_TOKEN's digest, once per request.
		expect(digests).toHaveBeenCalledTimes(2);
	});

	it("still refuses a token signed with another secret, and takes the admin token", async () => {
		const forged = await issueToken(
			{ userId: unique("p"), role: "patient", doctorId: null },
			"another secret",
		);
		expect((await appointments(`Bearer ${forged}`)).status).toBe(401);
		expect((await appointments(`Bearer ${env.ADMIN_TOKEN}`)).status).toBe(200);
		expect((await appointments(`Bearer ${env.ADMIN_TOKEN}x`)).status).toBe(401);
	});
});
