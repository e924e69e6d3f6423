// The text rule: which typed text is refused, and the form accepted text is stored in.
import { describe, expect, it } from "vitest";
import { normalizeText, textProblem } from "../../src/core/text";

const acute = "\u0301";

describe("textProblem", () => {
	it.each<[string, string, boolean, string | null]>([
		["a plain name", "Dr. Ines Okafor", false, null],
		["letters from many scripts", "Мария 李 محمد שָׁלוֹם", false, null],
		["Devanagari with vowel signs and virama", "क्षत्रिय डॉक्टर", false, null],
		["Vietnamese, decomposed (2 marks)", "Nguy\u0065\u0323\u0302n", false, null],
		["polytonic Greek, 3 marks on one letter", "\u1f86", false, null],
		["3 combining marks in a row", `e${acute}\u0300\u0302`, false, null],
		["4 combining marks in a row", `e${acute}\u0300\u0302\u0308`, false, "combining marks"],
		["4 marks, one hidden by composition", `e${acute.repeat(4)}`, false, "combining marks"],
		[
			"a mark pile split by zero-width joiners",
			`e${acute}\u200d${acute}\u200d${acute}\u200d${acute}`,
			false,
			"combining",
		],
		["marks spread over letters", `e${acute}a${acute}o${acute}u${acute}`, false, null],
		["an emoji with ZWJ", "👩‍⚕️ clinic", false, null],
		["NUL", "a\u0000b", false, "U+0000"],
		["a tab in a name", "a\tb", false, "U+0009"],
		["a line feed in a name", "a\nb", false, "U+000A"],
		["DEL", "a\u007fb", false, "U+007F"],
		["a C1 control", "a\u0085b", false, "U+0085"],
		["the line separator", "a\u2028b", false, "U+2028"],
		["escape sequences", "\u001b[31mred", false, "U+001B"],
		["right-to-left override", "gnp\u202e.exe", false, "U+202E"],
		["left-to-right embedding", "a\u202ab", false, "U+202A"],
		["first strong isolate", "a\u2068b\u2069", false, "U+2068"],
		["pop directional isolate", "a\u2069b", false, "U+2069"],
		["right-to-left mark (not an override)", "a\u200fb", false, null],
		["a lone high surrogate", "a\ud800b", false, "lone surrogate"],
		["a lone low surrogate", "a\udfffb", false, "lone surrogate"],
		["line feeds and tabs in a reason", "Cough\n\tsince Monday", true, null],
		["a carriage return alone in a reason", "Cough\rfever", true, "U+000D"],
		["NUL in a reason", "Cough\u0000", true, "U+0000"],
		["an override in a reason", "\u202eCough", true, "U+202E"],
	])("%s", (_name, text, multiline, problem) => {
		const found = textProblem(normalizeText(text, { multiline }), { multiline });
		if (problem === null) expect(found).toBeNull();
		else expect(found).toContain(problem);
	});
});

describe("normalizeText", () => {
	it.each<[string, string, boolean, string]>([
		["composes to NFC", `Jose${acute}`, false, "José"],
		["trims spaces and line breaks at the ends", "  Dr. Test \n", false, "Dr. Test"],
		["keeps inner spaces", "Dr.  Test", false, "Dr.  Test"],
		["turns CRLF into LF in a reason", "Cough\r\nFever", true, "Cough\nFever"],
		["leaves CR LF alone in a name (then refused)", "a\r\nb", false, "a\r\nb"],
	])("%s", (_name, text, multiline, stored) => {
		expect(normalizeText(text, { multiline })).toBe(stored);
	});
});
