// A WebSocket opened through the Worker, with its messages queued so tests can await them one by one.
import { exports } from "cloudflare:workers";

export class Inbox {
	private readonly queue: unknown[] = [];
	private waiting: ((message: unknown) => void) | null = null;
	/** How the server closed the socket, once it has. */
	readonly closed: Promise<{ code: number; reason: string }>;

	constructor(readonly ws: WebSocket) {
		this.closed = new Promise((resolve) =>
			ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
		);
		ws.addEventListener("message", (event) => {
			const text = String(event.data);
			// The runtime answers "ping" with a bare "pong"; everything else is JSON.
			const message = text === "pong" ? text : JSON.parse(text);
			if (this.waiting) {
				const resolve = this.waiting;
				this.waiting = null;
				resolve(message);
			} else this.queue.push(message);
		});
	}

	// biome-ignore lint/suspicious/noExplicitAny: assertions read the JSON the protocol defines
	next(timeoutMs = 5_000): Promise<any> {
		const queued = this.queue.shift();
		if (queued !== undefined) return Promise.resolve(queued);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
			this.waiting = (message) => {
				clearTimeout(timer);
				resolve(message);
			};
		});
	}

	/** Resolves true if nothing arrives within `ms`. */
	async silentFor(ms: number): Promise<boolean> {
		await new Promise((resolve) => setTimeout(resolve, ms));
		return this.queue.length === 0;
	}

	/** The server's close, or a failure after `timeoutMs`. */
	closedWithin(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
		return Promise.race([
			this.closed,
			new Promise<never>((_, reject) =>
				setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs),
			),
		]);
	}

	close(): void {
		this.ws.close(1000, "test done");
	}
}

export async function openSocket(path: string, headers: Record<string, string> = {}): Promise<Inbox> {
	const response = await exports.default.fetch(
		new Request(`http://docslot.test${path}`, { headers: { upgrade: "websocket", ...headers } }),
	);
	const ws = response.webSocket;
	if (response.status !== 101 || ws === null) {
		throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
	}
	ws.accept();
	return new Inbox(ws);
}
