import { defineConfig } from "vitest/config";
import { workersPool } from "./vitest.workers";

// Pure functions (the core, the pages' and the live client's logic) need no bindings and use only Web APIs
// Node has too: they run in Node, which spares each file the seconds the Workers pool takes to start it.
const PURE = [
	"test/core/**/*.test.ts",
	"test/pages/**/*.test.ts",
	"test/live/client.test.ts",
	"test/api/embed.test.ts",
];

export default defineConfig(async () => ({
	test: {
		// Structured log lines are for operators; show them only for failing tests.
		silent: "passed-only" as const,
		projects: [
			{ test: { name: "pure", include: PURE, environment: "node", silent: "passed-only" as const } },
			{
				plugins: [await workersPool()],
				test: {
					name: "workers",
					include: ["test/**/*.test.ts"],
					exclude: PURE,
					setupFiles: ["./test/apply-migrations.ts"],
					testTimeout: 30_000,
					// Making doctors pushes their config to every day of the horizon: slow on a busy 2-core machine.
					hookTimeout: 30_000,
					silent: "passed-only" as const,
				},
			},
		],
	},
}));
