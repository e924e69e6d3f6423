// `npm run test:soak`: the reliability properties of `npm test`, pushed much harder. The same files run with
// SOAK_SCALE (default 20) times the fast-check runs and bigger storms, and the crash test kills and restarts
// the service several times. Everything is bounded, so the run ends by itself.
//   SOAK_SCALE=50 npm run test:soak        harder (roughly linear in time)
//   SOAK_SEED=1234 npm run test:soak       replay fast-check's choices with a fixed seed
import { defineConfig } from "vitest/config";
import { workersPool } from "./vitest.workers";

const scale = String(Math.max(2, Number(process.env.SOAK_SCALE) || 20));
const seed = process.env.SOAK_SEED ?? "";
const HOUR = 3_600_000;

export default defineConfig(async () => {
	return {
		test: {
			// Structured log lines are for operators; show them only for failing tests.
			silent: "passed-only" as const,
			projects: [
				{
					plugins: [await workersPool({ RELIABILITY_SCALE: scale, RELIABILITY_SEED: seed })],
					test: {
						name: "soak-workers",
						// The projects run one after the other, so neither starves the other of the two cores.
						sequence: { groupOrder: 0 },
						include: ["test/reliability/**/*.test.ts"],
						setupFiles: ["./test/apply-migrations.ts"],
						testTimeout: HOUR,
						silent: "passed-only" as const,
					},
				},
				{
					test: {
						name: "soak-e2e",
						sequence: { groupOrder: 1 },
						include: [
							"test-e2e/crash-*.test.ts",
							"test-e2e/soak-*.test.ts",
							"test-e2e/reliability/**/*.test.ts",
						],
						environment: "node",
						globalSetup: "./test-e2e/global-setup.ts",
						fileParallelism: false,
						env: { SOAK_SCALE: scale },
						testTimeout: HOUR,
						hookTimeout: 180_000,
						teardownTimeout: 60_000,
					},
				},
			],
		},
	};
});
