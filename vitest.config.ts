import { defineConfig } from "vitest/config";
import { workersPool } from "./vitest.workers";

export default defineConfig(async () => ({
	plugins: [await workersPool()],
	test: {
		include: ["test/**/*.test.ts"],
		setupFiles: ["./test/apply-migrations.ts"],
		testTimeout: 30_000,
		// Making doctors pushes their config to every day of the horizon: slow on a busy 2-core machine.
		hookTimeout: 30_000,
		// Structured log lines are for operators; show them only for failing tests.
		silent: "passed-only" as const,
	},
}));
