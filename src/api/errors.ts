// The contract's error codes, their HTTP statuses, and the one exception the routes throw.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
	VALIDATION_ERROR: 400,
	UNAUTHORIZED: 401,
	FORBIDDEN: 403,
	DOCTOR_NOT_FOUND: 404,
	APPOINTMENT_NOT_FOUND: 404,
	NOT_FOUND: 404,
	EMAIL_TAKEN: 409,
	SLOT_FULL: 409,
	SLOT_UNAVAILABLE: 409,
	SLOT_NOT_FOUND: 409,
	SLOT_IN_PAST: 409,
	DAY_UNAVAILABLE: 409,
	CLINIC_CLOSED: 409,
	DOCTOR_UNAVAILABLE: 409,
	ALREADY_BOOKED: 409,
	IDEMPOTENCY_KEY_REUSED: 409,
	PATIENT_DAY_LIMIT: 409,
	SLOT_HELD: 409,
	TOO_LATE_TO_BOOK: 409,
	TOO_LATE_TO_CANCEL: 409,
	DAY_FULL: 409,
	HOLD_EXPIRED: 409,
	SLOT_CHANGED: 409,
	UNAVAILABILITY_EXISTS: 409,
	UNAVAILABILITY_LIMIT: 409,
	ROOM_CLOSED: 409,
	INVALID_TRANSITION: 409,
	SLOT_AVAILABLE: 409,
	ALREADY_WAITING: 409,
	OFFER_EXPIRED: 409,
	SERIES_CONFLICT: 409,
	PAYLOAD_TOO_LARGE: 413,
	UPGRADE_REQUIRED: 426,
	RATE_LIMITED: 429,
	INTERNAL_ERROR: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
	VALIDATION_ERROR: "The request is not valid.",
	UNAUTHORIZED: "Sign in first: the token is missing, invalid or expired.",
	FORBIDDEN: "You are not allowed to do this.",
	DOCTOR_NOT_FOUND: "No such doctor.",
	APPOINTMENT_NOT_FOUND: "No such appointment.",
	NOT_FOUND: "No such resource.",
	EMAIL_TAKEN: "That email is already in use.",
	SLOT_FULL: "This slot is fully booked.",
	SLOT_UNAVAILABLE: "The doctor is unavailable at this time.",
	SLOT_NOT_FOUND: "No slot starts at this time in the doctor's schedule.",
	SLOT_IN_PAST: "This slot has already started.",
	DAY_UNAVAILABLE: "The doctor does not take bookings on this day.",
	CLINIC_CLOSED: "The clinic is closed on this day.",
	DOCTOR_UNAVAILABLE: "The doctor is not taking bookings.",
	ALREADY_BOOKED: "You already hold this slot.",
	IDEMPOTENCY_KEY_REUSED: "This Idempotency-Key was already used for a different booking.",
	PATIENT_DAY_LIMIT: "You already hold as many places on this day as one patient may book.",
	SLOT_HELD: "The only free places in this slot are held by others for now.",
	TOO_LATE_TO_BOOK: "This slot starts too soon to book: the doctor asks for more notice.",
	TOO_LATE_TO_CANCEL: "This appointment starts too soon to cancel online; please contact the doctor.",
	DAY_FULL: "The doctor takes no more bookings on this day.",
	HOLD_EXPIRED: "This hold has ended (it expired, was released or replaced); choose the slot again.",
	SLOT_CHANGED: "This slot changed since your page was loaded; here is how it stands now.",
	UNAVAILABILITY_EXISTS: "The doctor is already unavailable at exactly this time.",
	UNAVAILABILITY_LIMIT: "This date holds as many unavailability blocks as it can.",
	ROOM_CLOSED: "The consultation room is not open now.",
	INVALID_TRANSITION: "The appointment cannot move to that status from the one it has.",
	SLOT_AVAILABLE: "A place is free now: book it instead of waiting.",
	ALREADY_WAITING: "You are already on the waitlist for this.",
	OFFER_EXPIRED: "This entry has no live offer (it expired, was declined, or none was made yet).",
	SERIES_CONFLICT: "Some occurrences of the series cannot be booked; nothing was booked.",
	PAYLOAD_TOO_LARGE: "The request body is too large.",
	UPGRADE_REQUIRED: "This endpoint is a WebSocket: send Upgrade: websocket.",
	RATE_LIMITED: "Too many requests; try again later.",
	INTERNAL_ERROR: "Something went wrong on our side.",
};

/** Thrown by routes and rendered by the app's single onError into the contract's error JSON. */
export class ApiError extends Error {
	readonly status: ContentfulStatusCode;

	constructor(
		readonly code: ErrorCode,
		message?: string,
		readonly details: Record<string, unknown> = {},
	) {
		super(message ?? DEFAULT_MESSAGES[code]);
		this.name = "ApiError";
		this.status = ERROR_STATUS[code];
	}

	toJSON() {
		return { error: { code: this.code, message: this.message, ...this.details } };
	}
}
