// HMAC-SHA256 and bytes as lowercase hex: webhook signatures and ids, password reset tokens.

export function hex(bytes: Uint8Array): string {
	return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const hmacKey = (secret: string, use: "sign" | "verify") =>
	crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		use,
	]);

export async function hmacHex(secret: string, text: string): Promise<string> {
	const key = await hmacKey(secret, "sign");
	return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text))));
}

/** Whether `signatureHex` is the HMAC of `text`, compared in constant time by Web Crypto (any runtime). */
export async function hmacVerifyHex(secret: string, text: string, signatureHex: string): Promise<boolean> {
	const pairs = signatureHex.match(/^(?:[0-9a-f]{2})+$/) ? (signatureHex.match(/../g) ?? []) : null;
	if (pairs === null) return false;
	const signature = new Uint8Array(pairs.map((p) => Number.parseInt(p, 16)));
	const key = await hmacKey(secret, "verify");
	return crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode(text));
}
