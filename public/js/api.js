// @ts-check
// The docslot HTTP API from the browser: JSON in and out, the bearer token, and the contract's errors.

/** An error answer of the API: `code` is the contract's stable code; `details` holds the rest of the body. */
export class ApiError extends Error {
	/**
	 * @param {number} status
	 * @param {string} code
	 * @param {string} message
	 * @param {Record<string, any>} [details]
	 */
	constructor(status, code, message, details = {}) {
		super(message);
		this.name = "ApiError";
		this.status = status;
		this.code = code;
		this.details = details;
	}

	/** @returns {{path: string, message: string}[]} the 400's per-field problems */
	get issues() {
		return Array.isArray(this.details.issues) ? this.details.issues : [];
	}
}

/** A request not answered by then is given up, so no page waits forever on a stalled connection. */
export const TIMEOUT_MS = 10_000;
const NETWORK_MESSAGE = "Could not reach docslot. Check your connection and try again.";
const TIMEOUT_MESSAGE = `docslot did not answer within ${TIMEOUT_MS / 1000} seconds. Check your connection and try again.`;

/**
 * One API call, given up after TIMEOUT_MS. It throws an ApiError: the contract's code for an error answer, or
 * `NETWORK` / `TIMEOUT` (status 0) for no answer, when a write may or may not have happened.
 * @param {string} method
 * @param {string} path
 * @param {{token?: string | null, body?: unknown, headers?: Record<string, string>}} [options]
 * @returns {Promise<any>}
 */
export async function request(method, path, options = {}) {
	/** @type {Record<string, string>} */
	const headers = { accept: "application/json", ...options.headers };
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.body !== undefined) headers["content-type"] = "application/json";
	const controller = new AbortController();
	// The deadline covers reading the body too: a server can stall after its headers.
	const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
	try {
		let response;
		let text;
		try {
			response = await fetch(path, {
				method,
				headers,
				body: options.body === undefined ? undefined : JSON.stringify(options.body),
				signal: controller.signal,
			});
			text = await response.text();
		} catch {
			throw unanswered(controller.signal);
		}
		const body = parseJson(text);
		if (response.ok) return body;
		const error = body?.error ?? {};
		const { code = "HTTP_ERROR", message = `The server answered ${response.status}.`, ...details } = error;
		throw new ApiError(response.status, code, message, details);
	} finally {
		clearTimeout(timer);
	}
}

/** @param {string} text */
function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

/** @param {AbortSignal} signal */
const unanswered = (signal) =>
	signal.aborted ? new ApiError(0, "TIMEOUT", TIMEOUT_MESSAGE) : new ApiError(0, "NETWORK", NETWORK_MESSAGE);

/** Whether a failed request may still have taken effect (no answer, or the server failed while answering). */
export const outcomeUnknown = (/** @type {unknown} */ error) =>
	error instanceof ApiError && (error.status === 0 || error.status >= 500);

/**
 * @param {string} path
 * @param {Record<string, string | undefined>} params
 */
export function withQuery(path, params) {
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, value);
	const text = query.toString();
	return text === "" ? path : `${path}?${text}`;
}

/**
 * Every page of a list (lists are paged by `next_cursor`), so nothing a page shows is cut short.
 * @param {string} path the list's path with its filters
 * @param {string} field the list's field in each page, e.g. "appointments"
 * @param {{token?: string | null}} [options]
 * @returns {Promise<any[]>}
 */
export async function requestAllPages(path, field, options = {}) {
	/** @type {any[]} */
	const all = [];
	/** @type {Set<string>} */
	const seen = new Set();
	/** @type {string | undefined} */
	let cursor;
	do {
		const url =
			cursor === undefined
				? path
				: `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
		const body = await request("GET", url, options);
		all.push(...body[field]);
		// A cursor seen before would loop forever: stop instead.
		cursor =
			typeof body.next_cursor === "string" && !seen.has(body.next_cursor) ? body.next_cursor : undefined;
		if (cursor !== undefined) seen.add(cursor);
	} while (cursor !== undefined);
	return all;
}

/** @param {string} id */
export const doctorPath = (id) => `/api/doctors/${encodeURIComponent(id)}`;

/**
 * A signed-in user kept in localStorage under `key`; falls back to memory where storage is blocked
 * (some embedded frames).
 * @param {string} key
 */
export function sessionStore(key) {
	/** @type {{token: string, user: any} | null} */
	let memory = null;
	return {
		/** @returns {{token: string, user: any} | null} */
		get() {
			try {
				const text = localStorage.getItem(key);
				return text === null ? memory : JSON.parse(text);
			} catch {
				return memory;
			}
		},
		/** @param {{token: string, user: any} | null} session */
		set(session) {
			memory = session;
			try {
				if (session === null) localStorage.removeItem(key);
				else localStorage.setItem(key, JSON.stringify(session));
			} catch {
				// Storage is blocked (private mode, partitioned frame): the session lives in memory only.
			}
		},
	};
}
