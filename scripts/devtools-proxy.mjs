// `wrangler dev` attaches a DevTools proxy to the runtime's inspector. It relays four inspector events for
// every subrequest (each D1 query is one) and one for every console line to wrangler's Node process, which
// formats each into its debug log: about 40% of a local booking's CPU. `npm start` and the e2e harness run
// without it; DOCSLOT_DEVTOOLS=1 keeps it. Wrangler has no flag for this: it leaves the proxy out when it
// believes it runs in VS Code's JavaScript debug terminal, which is what VSCODE_INSPECTOR_OPTIONS tells it.
// The runtime's own inspector port stays open, and console lines still reach the terminal.

/**
 * `env` for `wrangler dev`, with its DevTools proxy off unless DOCSLOT_DEVTOOLS=1 asks for it.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function withoutDevtoolsProxy(env) {
	if (env.DOCSLOT_DEVTOOLS === "1" || env.VSCODE_INSPECTOR_OPTIONS) return env;
	// Miniflare parses the value as JSON when a debugger bootloader is loaded, so it is valid JSON.
	return { ...env, VSCODE_INSPECTOR_OPTIONS: "{}" };
}
