// Patients' names on appointments, for the people who see them: the appointment's doctor and admins.
// Names are read from D1 when shown, never stored in the day object: a renamed or deleted account shows as it is now.
import { inArray } from "drizzle-orm";
import type { Actor, Appointment } from "../core/appointment";
import { database } from "../db/client";
import { dependents, users } from "../db/schema";

/** D1 binds at most 100 variables per statement. */
const IDS_PER_QUERY = 100;

/** The appointments with `patient_name` where the actor may see it (their own doctor's, or any for admins). */
export async function withPatientNames(
	env: Env,
	actor: Actor,
	appointments: readonly Appointment[],
): Promise<Appointment[]> {
	const sees = (a: Appointment) =>
		actor.role === "admin" || (actor.role === "doctor" && actor.doctorId === a.doctor_id);
	const ids = [...new Set(appointments.filter(sees).map((a) => a.patient_id))];
	if (ids.length === 0) return [...appointments];
	const db = database(env.DB);
	const names = new Map<string, string>();
	await readNames(ids, names, (chunk) =>
		db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, chunk)),
	);
	// Dependents booked by their family's account have their own names.
	const others = ids.filter((id) => !names.has(id) && id.startsWith("dep-"));
	await readNames(others, names, (chunk) =>
		db
			.select({ id: dependents.id, name: dependents.name })
			.from(dependents)
			.where(inArray(dependents.id, chunk)),
	);
	return appointments.map((a) =>
		sees(a) ? { ...a, patient_name: names.get(a.patient_id) || null } : withoutName(a),
	);
}

/** Reads the names of `ids` into `names`, a query per D1-sized chunk. */
async function readNames(
	ids: readonly string[],
	names: Map<string, string>,
	query: (chunk: string[]) => Promise<{ id: string; name: string }[]>,
): Promise<void> {
	for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
		for (const row of await query(ids.slice(i, i + IDS_PER_QUERY))) names.set(row.id, row.name);
	}
}

/** Others never see a name, whatever a record carries. */
function withoutName(appointment: Appointment): Appointment {
	const { patient_name: _name, ...rest } = appointment;
	return rest;
}
