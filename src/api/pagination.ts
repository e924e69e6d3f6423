// Lists are paged by keyset: `limit` (default 50, at most 200) and an opaque `cursor` naming the last row
// served, so a page never skips or repeats a row when rows are added before it. Nothing is cut silently:
// `next_cursor` is null only on the last page.
import { z } from "@hono/zod-openapi";
import { and, type Column, eq, gt, or, type SQL } from "drizzle-orm";
import { ApiError } from "./errors";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** The query fields every list takes. */
export const PageQuery = {
	limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE).openapi({ example: 50 }),
	cursor: z.string().max(512).optional().openapi({ description: "next_cursor of the previous page" }),
};

/** A position in a list's order: the sort key of the last row served, then its id. */
export type PageKey = readonly [string | number, string];

export function encodeCursor(key: PageKey): string {
	return btoa(JSON.stringify(key)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The position a cursor names; a cursor this API did not write is a 400, never a wrong page. */
export function decodeCursor(cursor: string | undefined, sortKey: "string" | "number"): PageKey | null {
	if (cursor === undefined) return null;
	let key: unknown;
	try {
		key = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
	} catch {
		key = null;
	}
	if (Array.isArray(key) && key.length === 2 && typeof key[0] === sortKey && typeof key[1] === "string")
		return [key[0], key[1]];
	throw new ApiError("VALIDATION_ERROR", "cursor: not a next_cursor of this list.", {
		issues: [{ path: "cursor", message: "Not a next_cursor of this list." }],
	});
}

/** Rows read with `limit + 1`: the page, and the cursor after it when there is more. */
export function pageOf<T>(rows: readonly T[], limit: number, keyOf: (row: T) => PageKey) {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** Rows after `key` in the order (sort column, id column), both ascending; everything when there is no key. */
export function afterKey(sortColumn: Column, idColumn: Column, key: PageKey | null): SQL | undefined {
	if (key === null) return undefined;
	const [sortValue, id] = key;
	return or(gt(sortColumn, sortValue), and(eq(sortColumn, sortValue), gt(idColumn, id)));
}
