import { defineConfig } from "vitest/config";
import { workersPool } from "./vitest.workers";

export default defineConfig(async () => ({
	plugins: [await workersPool()],
	test: {
		include: ["test/**/*.test.ts"],
		setupFiles: ["./test/apply-migrations.ts"],
		testTimeout: 30_000,
		// Structured log lines are for operators; show them only for failing tests.
		silent: "passed-only" as const,
	},
}));
