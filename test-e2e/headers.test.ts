// Security headers on the pages, as the real asset server and Worker send them, and no CORS on the API.
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");

describe("security headers", () => {
	it.each(["/", "/doctor", "/widget.js"])(
		"%s is nosniff, has a referrer policy and a strict CSP",
		async (path) => {
			const response = await fetch(`${baseUrl}${path}`);
			expect(response.status).toBe(200);
			expect(response.headers.get("x-content-type-options")).toBe("nosniff");
			expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
			const policy = response.headers.get("content-security-policy") ?? "";
			expect(policy).toContain("default-src 'self'");
			expect(policy).toContain("script-src 'self'");
			expect(policy).toContain("frame-ancestors 'none'");
		},
	);

	it("lets /embed be framed by the sites EMBED_ORIGINS names, keeping the rest of the policy", async () => {
		const response = await fetch(`${baseUrl}/embed?doctor=x`);
		expect(response.status).toBe(200);
		const policy = response.headers.get("content-security-policy") ?? "";
		expect(policy).toContain("script-src 'self'");
		expect(policy).toMatch(/frame-ancestors 'self' \*$/);
	});

	it("opens no CORS on the API", async () => {
		const response = await fetch(`${baseUrl}/api/doctors`, {
			headers: { origin: "https://elsewhere.example" },
		});
		expect(response.headers.get("access-control-allow-origin")).toBeNull();
	});
});
