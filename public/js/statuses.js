// @ts-check
// Appointment statuses as people read them (src/core/lifecycle.ts has the statuses and their moves).

/** What each status reads as, on a badge. */
export const STATUS_LABELS = /** @type {Record<string, string>} */ ({
	pending: "Awaiting approval",
	confirmed: "Confirmed",
	checked_in: "Checked in",
	completed: "Completed",
	no_show: "No-show",
	cancelled: "Cancelled",
	declined: "Declined",
	rescheduled: "Rescheduled",
});

/** Statuses whose place is free again. */
export const FREED_STATUSES = ["cancelled", "declined", "rescheduled"];
