// Secrets and variables that `wrangler types` cannot see: they live in .dev.vars locally and as secrets deployed.
declare namespace Cloudflare {
	interface Env {
		AUTH_SECRET: string;
		ADMIN_TOKEN: string;
	}
}
