// How a doctor row is shown through the API.
import type { DoctorRow } from "./doctor-records";

export function publicDoctor(row: DoctorRow) {
	return {
		id: row.id,
		name: row.name,
		specialty: row.specialty,
		is_available: row.isAvailable,
		is_approved: row.isApproved,
		...(row.timezone === null ? {} : { timezone: row.timezone }),
	};
}
