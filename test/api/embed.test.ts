// Who may frame the widget: EMBED_ORIGINS becomes frame-ancestors on /embed, and nothing else changes.
import { describe, expect, it } from "vitest";
import { withFrameAncestors } from "../../src/api/routes/embed";

const PAGE = "default-src 'self'; script-src 'self'; frame-ancestors 'none'";

describe("withFrameAncestors", () => {
	it.each([
		["any site by default", undefined, "default-src 'self'; script-src 'self'; frame-ancestors 'self' *"],
		[
			"a list of origins",
			"https://clinic.example, http://localhost:3000",
			"default-src 'self'; script-src 'self'; frame-ancestors 'self' https://clinic.example http://localhost:3000",
		],
		[
			"nothing that is not an origin",
			"javascript:alert(1), 'unsafe-inline'; script-src *",
			"default-src 'self'; script-src 'self'; frame-ancestors 'self'",
		],
	])("allows %s", (_name, origins, expected) => {
		expect(withFrameAncestors(PAGE, origins)).toBe(expected);
	});

	it("adds the directive to a page without a policy", () => {
		expect(withFrameAncestors("", "https://a.example")).toBe("frame-ancestors 'self' https://a.example");
	});
});
