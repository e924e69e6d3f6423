// Time zone names: which are accepted, and the one spelling each zone is stored under.

// ICU (behind Intl) still answers these zones by their old CLDR ids; people know them by their IANA names.
export const RENAMED_ZONES: ReadonlyMap<string, string> = new Map([
	["Africa/Asmera", "Africa/Asmara"],
	["America/Buenos_Aires", "America/Argentina/Buenos_Aires"],
	["America/Catamarca", "America/Argentina/Catamarca"],
	["America/Coral_Harbour", "America/Atikokan"],
	["America/Cordoba", "America/Argentina/Cordoba"],
	["America/Godthab", "America/Nuuk"],
	["America/Indianapolis", "America/Indiana/Indianapolis"],
	["America/Jujuy", "America/Argentina/Jujuy"],
	["America/Louisville", "America/Kentucky/Louisville"],
	["America/Mendoza", "America/Argentina/Mendoza"],
	["Asia/Calcutta", "Asia/Kolkata"],
	["Asia/Katmandu", "Asia/Kathmandu"],
	["Asia/Rangoon", "Asia/Yangon"],
	["Asia/Saigon", "Asia/Ho_Chi_Minh"],
	["Atlantic/Faeroe", "Atlantic/Faroe"],
	["Europe/Kiev", "Europe/Kyiv"],
	["Pacific/Enderbury", "Pacific/Kanton"],
	["Pacific/Ponape", "Pacific/Pohnpei"],
	["Pacific/Truk", "Pacific/Chuuk"],
]);

const ZONE_NAME = /^[A-Za-z0-9_+\-/]{1,64}$/;
// Keyed by the lower-case spelling and holding only zones Intl accepted, so it stays as small as the zone list.
const canonicalByKey = new Map<string, string>();

/**
 * The one spelling a zone is stored under, whatever case, link or old name it was given by
 * ("us/eastern" → "America/New_York", "Europe/Kiev" → "Europe/Kyiv", "utc" → "UTC"); null when Intl does
 * not know it, and for abbreviations and offsets ("EST", "GMT", "+05:00"), which name no place.
 */
export function canonicalTimeZone(name: string): string | null {
	if (!ZONE_NAME.test(name)) return null;
	const key = name.toLowerCase();
	const known = canonicalByKey.get(key);
	if (known !== undefined) return known;
	if (key !== "utc" && !key.includes("/")) return null;
	let resolved: string;
	try {
		resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
	} catch {
		return null;
	}
	const canonical = RENAMED_ZONES.get(resolved) ?? resolved;
	canonicalByKey.set(key, canonical);
	return canonical;
}
