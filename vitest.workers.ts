// The Workers test pool of `npm test` and `npm run test:soak`: the project's wrangler.toml with test secrets,
// the D1 migrations for test/apply-migrations.ts, rate limits and email sending off.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";

export async function workersPool(bindings: Record<string, string> = {}) {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	return cloudflareTest({
		wrangler: { configPath: "./wrangler.toml" },
		miniflare: {
			bindings: {
				TEST_MIGRATIONS: migrations,
				AUTH_SECRET: "test-auth-secret-0123456789abcdef",
				ADMIN_TOKEN: "test-admin-token",
				// Most tests fire hundreds of requests from one address; test/api/rate-limit.test.ts turns limits on.
				RATE_LIMITS: "off",
				// Alarms would race the outbox tests' fake sender (test/user/email-outbox.test.ts).
				EMAIL_SENDING: "off",
				...bindings,
			},
		},
	});
}
