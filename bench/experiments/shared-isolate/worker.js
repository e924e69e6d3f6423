// Does a Durable Object run in the same isolate as the Worker of its script? If it does, both see one
// module-level array. (Random values are not allowed at global scope, hence the lazy id.)
import { DurableObject } from "cloudflare:workers";

const log = [];
let isolate = null;
const isolateId = () => (isolate ??= crypto.randomUUID());

export class Probe extends DurableObject {
	async touch(tag) {
		log.push(`object ${tag}`);
		return isolateId();
	}
}

export default {
	async fetch(request, env) {
		const { pathname } = new URL(request.url);
		log.push("worker");
		const objectIsolate = await env.PROBE.get(env.PROBE.idFromName(pathname)).touch(pathname);
		return Response.json({ workerIsolate: isolateId(), objectIsolate, log });
	},
};
