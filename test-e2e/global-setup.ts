// One real server for the whole e2e run; tests get its address and admin token with `inject()`.
import type { TestProject } from "vitest/node";
import { startServer } from "./server";

declare module "vitest" {
	export interface ProvidedContext {
		baseUrl: string;
		adminToken: string;
		/** wrangler's log: the send_email binding prints where it stored each sent email. */
		logFile: string;
	}
}

export default async function setup(project: TestProject) {
	const started = Date.now();
	const server = await startServer();
	console.log(
		`[e2e] wrangler dev ready at ${server.baseUrl} in ${Date.now() - started} ms (log: ${server.logFile})`,
	);
	project.provide("baseUrl", server.baseUrl);
	project.provide("adminToken", server.adminToken);
	project.provide("logFile", server.logFile);
	return async () => {
		const stopping = Date.now();
		await server.dispose();
		console.log(`[e2e] server stopped in ${Date.now() - stopping} ms`);
	};
}
