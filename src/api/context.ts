// The Hono environment every route shares: bindings and per-request variables.
import type { Actor } from "../core/appointment";

/** The credential behind `actor`: when it expires (null for ADMIN_TOKEN, which does not) and its version. */
export interface Credential {
	expiresAt: number | null;
	version: number;
}

export interface AppEnv {
	Bindings: Env;
	Variables: {
		requestId: string;
		actor: Actor | null;
		credential: Credential | null;
	};
}
