// Appointment, hold and waitlist entry ids name their doctor-day ("<doctor_id>.<date>.<random><tag>") and end in a MAC of
// the rest, so the Worker refuses a made-up id before any object is touched (an object costs storage once
// touched). Each kind has its own key: a hold id is never a valid appointment id, nor the other way round.
import { parseAppointmentId } from "../core/appointment";
import { newId } from "./ids";

const TAG_HEX = 16;
const keys = new Map<string, Promise<CryptoKey>>();

export type DayIdKind = "appointment" | "hold" | "waitlist";
type IdKind = DayIdKind | "dependent" | "series";

function keyFor(secret: string, kind: IdKind): Promise<CryptoKey> {
	// "appointment-ids:" is what appointment ids were always signed with; existing ids stay valid.
	const name = `${kind}-ids:${secret}`;
	let key = keys.get(name);
	if (key === undefined) {
		const material = new TextEncoder().encode(name);
		key = crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
		keys.set(name, key);
	}
	return key;
}

async function tag(secret: string, kind: IdKind, body: string): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", await keyFor(secret, kind), new TextEncoder().encode(body));
	return Array.from(new Uint8Array(mac, 0, TAG_HEX / 2), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function mintDayId(
	secret: string,
	kind: DayIdKind,
	doctorId: string,
	date: string,
): Promise<string> {
	const body = `${doctorId}.${date}.${newId()}`;
	return body + (await tag(secret, kind, body));
}

export function mintAppointmentId(secret: string, doctorId: string, date: string): Promise<string> {
	return mintDayId(secret, "appointment", doctorId, date);
}

export function verifyAppointmentId(
	secret: string,
	id: string,
): Promise<{ doctorId: string; date: string } | null> {
	return verifyDayId(secret, "appointment", id);
}

/** The doctor-day an id of this kind belongs to, or null when the id was not minted here as that kind. */
export async function verifyDayId(
	secret: string,
	kind: DayIdKind,
	id: string,
): Promise<{ doctorId: string; date: string } | null> {
	const owner = parseAppointmentId(id);
	if (owner === null || id.length <= TAG_HEX) return null;
	const body = id.slice(0, -TAG_HEX);
	const expected = await tag(secret, kind, body);
	return sameTag(id.slice(-TAG_HEX), expected) ? owner : null;
}

/** Compared in constant time, so timing does not tell how much of a forged tag was right. */
function sameTag(given: string, expected: string): boolean {
	let diff = 0;
	for (let i = 0; i < TAG_HEX; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
	return diff === 0;
}

/**
 * A dependent's patient id, "dep-<random><tag>" where the tag is a MAC of the owner's id with the rest: the
 * Worker sees from the id alone whether the caller owns it, so a family booking waits on no D1 read.
 */
export async function mintDependentId(secret: string, ownerId: string): Promise<string> {
	const body = `dep-${newId()}`;
	return body + (await tag(secret, "dependent", `${ownerId}:${body}`));
}

export async function ownsDependent(secret: string, ownerId: string, id: string): Promise<boolean> {
	if (!id.startsWith("dep-") || id.length <= TAG_HEX) return false;
	const body = id.slice(0, -TAG_HEX);
	const expected = await tag(secret, "dependent", `${ownerId}:${body}`);
	return sameTag(id.slice(-TAG_HEX), expected);
}

const SERIES_ID = /^([a-z0-9][a-z0-9-]{0,39})\.s([0-9a-f]{16})[0-9a-f]{16}$/;

/** A series id, "<doctor_id>.s<random><tag>": it names the Doctor object that owns the series. */
export async function mintSeriesId(secret: string, doctorId: string): Promise<string> {
	const body = `${doctorId}.s${newId()}`;
	return body + (await tag(secret, "series", body));
}

/** The doctor a series id belongs to, or null when the id was not minted here. */
export async function verifySeriesId(secret: string, id: string): Promise<string | null> {
	const match = SERIES_ID.exec(id);
	if (match === null) return null;
	const body = id.slice(0, -TAG_HEX);
	return sameTag(id.slice(-TAG_HEX), await tag(secret, "series", body)) ? (match[1] as string) : null;
}
