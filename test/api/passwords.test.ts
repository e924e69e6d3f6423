// Password rules: one password however its accents are encoded, and no common or blank passwords.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isCommonPassword } from "../../src/api/common-passwords";
import { hashPassword } from "../../src/api/passwords";
import { ADMIN, api, unique } from "../helpers";

const NFC = "caf\u00e9-au-lait-7"; // é as one code point
const NFD = "cafe\u0301-au-lait-7"; // e followed by a combining acute accent

function register(password: string, email = `${unique("pw")}@x.test`) {
	return api("POST", "/api/auth/register", { body: { email, password, name: "P" } });
}

function login(email: string, password: string) {
	return api("POST", "/api/auth/login", { body: { email, password } });
}

function createDoctor(password: string, email = `${unique("dr")}@x.test`) {
	return api("POST", "/api/doctors", { headers: ADMIN, body: { name: "Dr. P", email, password } });
}

describe("Unicode normalisation", () => {
	it.each([
		["registered decomposed, signs in composed", NFD, NFC],
		["registered composed, signs in decomposed", NFC, NFD],
	])("patients: %s", async (_, registeredWith, signsInWith) => {
		const email = `${unique("pw")}@x.test`;
		expect((await register(registeredWith, email)).status).toBe(201);
		expect((await login(email, signsInWith)).status).toBe(200);
	});

	it("doctors created with a decomposed password sign in composed", async () => {
		const email = `${unique("dr")}@x.test`;
		expect((await createDoctor(NFD, email)).status).toBe(201);
		const session = await login(email, NFC);
		expect(session.status).toBe(200);
		expect(session.body.user.role).toBe("doctor");
	});

	it("still signs in an account whose hash was made from a decomposed password before normalising", async () => {
		const email = `${unique("old")}@x.test`;
		await env.DB.prepare(
			"INSERT INTO users (id, email, name, role, password_hash, doctor_id, created_at) VALUES (?, ?, 'Old', 'patient', ?, NULL, ?)",
		)
			.bind(unique("u"), email, await hashPassword(NFD), new Date().toISOString())
			.run();
		expect((await login(email, NFC)).status).toBe(200);
		expect((await login(email, NFD)).status).toBe(200);
		expect((await login(email, "cafe-au-lait-7")).status).toBe(401);
	});

	it("counts length after normalising: 7 composed characters are too short", async () => {
		const call = await register("caf\u0065\u0301-12"); // 8 code units, 7 once composed
		expect(call.status).toBe(400);
		expect(call.body.error.message).toBe("password: Use at least 8 characters.");
	});
});

describe("refused passwords", () => {
	it.each([["password"], ["12345678"], ["qwertyui"], ["Password1"], ["iloveyou"], ["QWERTY123"]])(
		"refuses the common %s with 400 VALIDATION_ERROR, at registration and doctor creation",
		async (password) => {
			for (const call of [await register(password), await createDoctor(password)]) {
				expect(call.status).toBe(400);
				expect(call.body).toEqual({
					error: {
						code: "VALIDATION_ERROR",
						message: "password: One of the commonest passwords: choose another.",
						issues: [{ path: "password", message: "One of the commonest passwords: choose another." }],
					},
				});
			}
		},
	);

	it.each([
		["spaces", "        "],
		["tabs and newlines", "\t\t\n\n\t\t\n\n"],
		["no-break and ideographic spaces", "\u00a0\u00a0\u3000\u3000\u00a0\u00a0\u3000\u3000"],
	])("refuses a password of only whitespace (%s)", async (_, password) => {
		for (const call of [await register(password), await createDoctor(password)]) {
			expect(call.status).toBe(400);
			expect(call.body.error).toMatchObject({
				code: "VALIDATION_ERROR",
				message: "password: Use something other than spaces.",
			});
		}
	});

	it("keeps spaces that are part of a password", async () => {
		const email = `${unique("pw")}@x.test`;
		expect((await register("  correct horse  ", email)).status).toBe(201);
		expect((await login(email, "  correct horse  ")).status).toBe(200);
		expect((await login(email, "correct horse")).status).toBe(401);
	});

	it("matches the list whatever the case, and spares the demo passwords", () => {
		expect(isCommonPassword("password")).toBe(true);
		expect(isCommonPassword("PaSsWoRd")).toBe(true);
		expect(isCommonPassword("patient-demo-pass")).toBe(false);
		expect(isCommonPassword("doctor-demo-pass")).toBe(false);
	});
});
