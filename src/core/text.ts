// The one rule for text people type (names, specialties, reasons): what is refused, and how it is stored.

/**
 * The most combining marks one character may carry. Real writing stays within it even decomposed
 * (Vietnamese needs 2, polytonic Greek 3: ᾆ is α + 3 marks); "Zalgo" piles of marks that smear over
 * neighbouring lines need more.
 */
export const MAX_COMBINING_MARKS = 3;

export interface TextKind {
	/** Reasons may run over several lines: line feeds and tabs are kept there, and CRLF becomes LF. */
	multiline?: boolean;
}

// Control characters (C0, DEL, C1) and the line/paragraph separators; a multi-line text keeps \n and \t.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CONTROL_MULTILINE = /(?![\n\t])[\p{Cc}\u2028\u2029]/u;
// Explicit embeddings, overrides (U+202E turns "gnp.exe" into "exe.png" on screen) and isolates.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
// With the u flag, a lone surrogate is a code point of category Cs: text no encoder can write as UTF-8.
const LONE_SURROGATE = /\p{Cs}/u;
// Invisible format characters (ZWJ, ZWNJ, …) between marks must not reset the count.
const MARK_PILE = new RegExp(`\\p{M}(?:\\p{Cf}*\\p{M}){${MAX_COMBINING_MARKS}}`, "u");

/** The text as it is stored: trimmed, CRLF as LF in multi-line text, and in Unicode normal form C. */
export function normalizeText(text: string, kind: TextKind = {}): string {
	const lines = kind.multiline ? text.replace(/\r\n/g, "\n") : text;
	return lines.trim().normalize("NFC");
}

/** Null when the text may be stored; otherwise what is wrong with it, for the person who typed it. */
export function textProblem(text: string, kind: TextKind = {}): string | null {
	const control = (kind.multiline ? CONTROL_MULTILINE : CONTROL).exec(text);
	if (control !== null) return `Must not contain control characters (found ${codePoint(control[0])}).`;
	const bidi = BIDI_CONTROL.exec(text);
	if (bidi !== null) {
		return `Must not contain bidirectional override or isolate characters (found ${codePoint(bidi[0])}).`;
	}
	if (LONE_SURROGATE.test(text)) return "Must be well-formed Unicode (found a lone surrogate).";
	// Counted decomposed, so "e" + four acute accents cannot hide one of them by composing into "é".
	if (MARK_PILE.test(text.normalize("NFD"))) {
		return `Must not stack more than ${MAX_COMBINING_MARKS} combining marks on one character.`;
	}
	return null;
}

function codePoint(char: string): string {
	return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}
