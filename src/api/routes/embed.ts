// The widget's frame: the booking page served through the Worker, so EMBED_ORIGINS decides who may frame it.
import type { Context } from "hono";
import type { AppEnv } from "../context";

export async function embedPage(c: Context<AppEnv>): Promise<Response> {
	const page = await c.env.ASSETS.fetch(new URL("/", c.req.url));
	const response = new Response(page.body, page);
	// The page's own policy comes from public/_headers; only who may frame it changes here.
	const policy = page.headers.get("content-security-policy") ?? "";
	response.headers.set("Content-Security-Policy", withFrameAncestors(policy, c.env.EMBED_ORIGINS));
	return response;
}

/** Replaces frame-ancestors in `policy` with 'self' and EMBED_ORIGINS (comma-separated origins, or "*"). */
export function withFrameAncestors(policy: string, origins = "*"): string {
	const allowed = origins
		.split(",")
		.map((o) => o.trim())
		.filter((o) => o === "*" || /^https?:\/\/[^\s;,'"]+$/.test(o));
	const directives = policy
		.split(";")
		.map((d) => d.trim())
		.filter((d) => d !== "" && !d.startsWith("frame-ancestors"));
	return [...directives, `frame-ancestors ${["'self'", ...allowed].join(" ")}`].join("; ");
}
