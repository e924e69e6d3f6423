// Password reset links' tokens: "<user id>.<expiry, unix s>.<HMAC>", the HMAC over both and the account's
// current password hash. No storage: setting a new password changes the hash, so a token works once, and
// stops working when the password changes any other way.
import { hmacHex } from "../lib/hmac";

/** How long a reset link works. */
export const RESET_VALID_MINUTES = 30;

function mac(secret: string, userId: string, expiresAt: number, passwordHash: string): Promise<string> {
	return hmacHex(secret, `password-reset\n${userId}\n${expiresAt}\n${passwordHash}`);
}

export async function resetToken(
	secret: string,
	userId: string,
	passwordHash: string,
	now: number,
): Promise<string> {
	const expiresAt = Math.floor(now / 1000) + RESET_VALID_MINUTES * 60;
	return `${userId}.${expiresAt}.${await mac(secret, userId, expiresAt, passwordHash)}`;
}

/** The account a well-formed token names; null for anything else. */
export function resetTokenAccount(token: string): string | null {
	const match = /^([A-Za-z0-9_-]{1,64})\.\d{1,12}\.[0-9a-f]{64}$/.exec(token);
	return match?.[1] ?? null;
}

/** Whether `token` was issued for this account with this password hash, and has not expired at `now`. */
export async function isResetTokenValid(
	secret: string,
	token: string,
	account: { id: string; passwordHash: string },
	now: number,
): Promise<boolean> {
	const [userId, expiry, signature] = token.split(".");
	const expiresAt = Number(expiry);
	if (userId !== account.id || signature === undefined || !(expiresAt * 1000 > now)) return false;
	const expected = await mac(secret, userId, expiresAt, account.passwordHash);
	const [a, b] = [new TextEncoder().encode(expected), new TextEncoder().encode(signature)];
	return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
