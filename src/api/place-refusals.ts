// The one translation of a doctor-day's refusal to take a place (booking or hold) into the contract's error.
import type { PlaceRefusal } from "../doctor-day/results";
import { ApiError, type ErrorCode } from "./errors";

type PlaceCode = ErrorCode | "HOLD_MISMATCH" | "UNKNOWN_TYPE";

/** Every refusal carries the counts; SLOT_HELD says until when, SLOT_CHANGED shows the slot as it is now. */
export function placeRefused(result: PlaceRefusal<PlaceCode>, extra: Record<string, unknown> = {}): ApiError {
	if (result.code === "HOLD_MISMATCH") {
		const message = "This hold is for another doctor or slot.";
		return new ApiError("VALIDATION_ERROR", `hold_id: ${message}`, {
			issues: [{ path: "hold_id", message }],
		});
	}
	if (result.code === "UNKNOWN_TYPE") {
		// Bad input for this doctor: the schedule names no appointment type of that id.
		const message = "The doctor's schedule has no appointment type of this id.";
		return new ApiError("VALIDATION_ERROR", `type: ${message}`, { issues: [{ path: "type", message }] });
	}
	const details: Record<string, unknown> = {
		current_bookings: result.booked,
		max_capacity: result.capacity,
		...extra,
	};
	if (result.code === "SLOT_HELD" && result.heldUntil !== undefined)
		details.held_until = new Date(result.heldUntil).toISOString();
	if (result.code === "SLOT_CHANGED") Object.assign(details, { slot: result.slot, version: result.version });
	return new ApiError(result.code, undefined, details);
}
