// Who a booking or hold is for: patients act for themselves; admins and doctors name the patient.
import { and, eq, isNull } from "drizzle-orm";
import type { Actor } from "../core/appointment";
import { database } from "../db/client";
import { users } from "../db/schema";
import { hop } from "../lib/hops";
import { ApiError } from "./errors";

/** Who the booking is for: patients book for themselves; admins and doctors name the patient. */
export async function patientFor(env: Env, actor: Actor, doctorId: string, patientId: string | undefined) {
	if (actor.role === "patient") {
		if (patientId !== undefined && patientId !== actor.userId) throw new ApiError("FORBIDDEN");
		return actor.userId;
	}
	if (actor.role === "doctor" && actor.doctorId !== doctorId) throw new ApiError("FORBIDDEN");
	if (patientId === undefined) {
		throw new ApiError("VALIDATION_ERROR", "patient_id: required when booking for a patient.", {
			issues: [{ path: "patient_id", message: "Required when booking for a patient." }],
		});
	}
	hop(env, "worker→D1", "before", "appointments.patientFor");
	const [patient] = await database(env.DB)
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.id, patientId), eq(users.role, "patient"), isNull(users.deletedAt)));
	if (patient === undefined) {
		throw new ApiError("VALIDATION_ERROR", "patient_id: no such patient.", {
			issues: [{ path: "patient_id", message: "No such patient." }],
		});
	}
	return patientId;
}
