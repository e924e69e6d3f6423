// Cancelling the appointments still to come of an account and its dependents (deleting the account, removing
// a dependent): found in D1's appointment list, each cancelled through its own day object, which decides
// again, frees the place and tells live pages. Repeating it cancels nothing twice.
import { and, gt, inArray } from "drizzle-orm";
import type { Actor, Appointment } from "../core/appointment";
import { toCancelOnRemoval } from "../core/dependents";
import { database } from "../db/client";
import { appointments } from "../db/schema";
import { doctorDay } from "../doctor-day/stub";
import { verifyAppointmentId } from "../lib/appointment-ids";
import { nowIso } from "../lib/ids";

/** Cancellations sent to day objects at once, so an account with many bookings does not open hundreds of calls. */
const CANCELS_AT_ONCE = 16;

/**
 * Cancels, as `actor` (the account holder), the future appointments of `patientIds`: the actor's own, and
 * those of dependents the caller checked the actor owns. Places go even inside the cancel cutoff.
 */
export async function cancelFutureAppointments(
	env: Env,
	actor: Actor,
	patientIds: readonly string[],
): Promise<Appointment[]> {
	if (patientIds.length === 0) return [];
	const rows = await database(env.DB)
		.select({ body: appointments.body })
		.from(appointments)
		.where(and(inArray(appointments.patientId, [...patientIds]), gt(appointments.start, nowIso())));
	const due = toCancelOnRemoval(
		rows.map((row) => JSON.parse(row.body) as Appointment),
		Date.now(),
	);
	const cancelled: Appointment[] = [];
	for (let i = 0; i < due.length; i += CANCELS_AT_ONCE) {
		const results = await Promise.all(
			due.slice(i, i + CANCELS_AT_ONCE).map(async ({ id, patient_id }) => {
				const owner = await verifyAppointmentId(env.AUTH_SECRET, id);
				if (owner === null) return null;
				const dependent = patient_id === actor.userId ? undefined : patient_id;
				return doctorDay(env, owner.doctorId, owner.date).cancel(id, actor, true, dependent);
			}),
		);
		// A refusal here is SLOT_IN_PAST (it started meanwhile): past appointments stay as they are.
		for (const result of results) if (result?.ok && result.changed) cancelled.push(result.appointment);
	}
	return cancelled;
}
