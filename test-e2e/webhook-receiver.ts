// A webhook receiver for e2e tests, on 127.0.0.1: it checks every signature with Node's own HMAC, records
// what arrived, and can be taken down ("500" answers 500, "closed" drops the connection) and brought back.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
	id: string;
	type: string;
	/** A reschedule's old appointment id (`data.previous`). */
	previous?: string;
	signed: boolean;
}

export type ReceiverMode = "up" | "500" | "closed";

export function webhookReceiver() {
	const received: Received[] = [];
	/** Requests refused while down, by how. */
	const refused = { "500": 0, closed: 0 };
	/** Every request by delivery id, refused or not. */
	const attempts = new Map<string, number>();
	let mode: ReceiverMode = "up";
	let secret = "";
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks).toString("utf8");
			const parsed = JSON.parse(body) as { id: string; type: string; data: { previous?: string } };
			attempts.set(parsed.id, (attempts.get(parsed.id) ?? 0) + 1);
			if (mode !== "up") refused[mode]++;
			if (mode === "closed") return req.socket.destroy();
			if (mode === "500") return res.writeHead(500).end();
			received.push({
				id: parsed.id,
				type: parsed.type,
				...(parsed.data.previous === undefined ? {} : { previous: parsed.data.previous }),
				signed: verify(secret, body, String(req.headers["docslot-signature"])),
			});
			res.writeHead(204).end();
		});
	});
	return {
		received,
		refused,
		attempts,
		server,
		listen: () => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)),
		close: () => new Promise((resolve) => server.close(resolve)),
		url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		setMode: (m: ReceiverMode) => {
			mode = m;
		},
		setSecret: (s: string) => {
			secret = s;
		},
	};
}

/** The receiver's own check: t within 5 minutes, v1 the hex HMAC-SHA256 of "<t>.<body>". */
function verify(secret: string, body: string, header: string): boolean {
	const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
	if (match === null || Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
	const expected = createHmac("sha256", secret).update(`${match[1]}.${body}`).digest();
	return timingSafeEqual(expected, Buffer.from(match[2] ?? "", "hex"));
}

/** Polls `check` every 100 ms until it holds, or throws after `timeoutMs` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
