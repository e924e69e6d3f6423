// How a doctor row is shown through the API, and to whom.
import type { Actor } from "../core/appointment";
import type { DoctorRow } from "./doctor-records";
import { ApiError } from "./errors";

export function publicDoctor(row: DoctorRow) {
	return {
		id: row.id,
		name: row.name,
		specialty: row.specialty,
		is_available: row.isAvailable,
		is_approved: row.isApproved,
		...(row.timezone === null ? {} : { timezone: row.timezone }),
		clinic_id: row.clinicId,
	};
}

/**
 * An unapproved doctor exists only for admins and for itself: everyone else gets the same 404 as for a
 * doctor that does not exist, so it cannot be found by guessing ids before an admin vouches for it.
 */
export function requireVisible<T extends { isApproved: boolean }>(
	doctorId: string,
	doctor: T,
	actor: Actor | null,
): T {
	const itself = actor?.role === "doctor" && actor.doctorId === doctorId;
	if (!doctor.isApproved && actor?.role !== "admin" && !itself) throw new ApiError("DOCTOR_NOT_FOUND");
	return doctor;
}
