// The Hono environment every route shares: bindings and per-request variables.
import type { Actor } from "../core/appointment";

export interface AppEnv {
	Bindings: Env;
	Variables: {
		requestId: string;
		actor: Actor | null;
	};
}
