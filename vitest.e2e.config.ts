// End-to-end tests: plain Node against the real service (wrangler dev → workerd). Most files share one
// server, started by the global setup, and run two at a time (each uses its own doctors and dates). Files
// that start, kill or flood their own servers run after them, alone, so their timings and their load
// stay their own; so does the video call, whose WebRTC connection stalled beside another browser.
import { defineConfig } from "vitest/config";

const ALONE = [
	"test-e2e/crash-durability.test.ts",
	"test-e2e/start-supervision.test.ts",
	"test-e2e/storage-storm.test.ts",
	"test-e2e/reschedule-crash.test.ts",
	"test-e2e/webhook-dead-letter.test.ts",
	"test-e2e/browser/room.test.ts",
];

const shared = {
	environment: "node" as const,
	testTimeout: 120_000,
	hookTimeout: 180_000,
	teardownTimeout: 60_000,
};

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					...shared,
					name: "e2e",
					include: ["test-e2e/**/*.test.ts"],
					exclude: ALONE,
					globalSetup: "./test-e2e/global-setup.ts",
					maxWorkers: 2,
					sequence: { groupOrder: 0 },
				},
			},
			{
				test: {
					...shared,
					name: "e2e-alone",
					include: ALONE,
					globalSetup: "./test-e2e/global-setup.ts",
					fileParallelism: false,
					sequence: { groupOrder: 1 },
				},
			},
		],
	},
});
