// End-to-end tests: plain Node against the real service (wrangler dev → workerd), started once by the
// global setup. Files share that server, so they run one after another.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		name: "e2e",
		include: ["test-e2e/**/*.test.ts"],
		environment: "node",
		globalSetup: "./test-e2e/global-setup.ts",
		fileParallelism: false,
		testTimeout: 120_000,
		hookTimeout: 180_000,
		teardownTimeout: 60_000,
	},
});
