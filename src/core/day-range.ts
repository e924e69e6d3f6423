// Spans of calendar dates, for requests that cover several doctor-days.
import { addDays, daysBetween } from "./time";

/** Every date from `from` to `to`, both included; empty when `to` is before `from`. */
export function datesInRange(from: string, to: string): string[] {
	const count = daysBetween(from, to) + 1;
	return Array.from({ length: Math.max(count, 0) }, (_, i) => addDays(from, i));
}
