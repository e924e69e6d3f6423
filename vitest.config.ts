import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					bindings: {
						TEST_MIGRATIONS: migrations,
						AUTH_SECRET: "test-auth-secret-0123456789abcdef",
						ADMIN_TOKEN: "test-admin-token",
						// Most tests fire hundreds of requests from one address; test/api/rate-limit.test.ts turns limits on.
						RATE_LIMITS: "off",
					},
				},
			}),
		],
		test: {
			include: ["test/**/*.test.ts"],
			setupFiles: ["./test/apply-migrations.ts"],
			testTimeout: 30_000,
			// Structured log lines are for operators; show them only for failing tests.
			silent: "passed-only",
		},
	};
});
