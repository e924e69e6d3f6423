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

const NETWORK_MESSAGE = "Could not reach docslot. Check your connection and try again.";

/**
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
	let response;
	try {
		response = await fetch(path, {
			method,
			headers,
			body: options.body === undefined ? undefined : JSON.stringify(options.body),
		});
	} catch {
		throw new ApiError(0, "NETWORK", NETWORK_MESSAGE);
	}
	const body = await response.json().catch(() => null);
	if (response.ok) return body;
	const error = body?.error ?? {};
	const { code = "HTTP_ERROR", message = `The server answered ${response.status}.`, ...details } = error;
	throw new ApiError(response.status, code, message, details);
}

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
