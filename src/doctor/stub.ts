// The one place that names Doctor objects: one per doctor id.
export function doctorObject(env: Env, doctorId: string) {
	return env.DOCTOR.get(env.DOCTOR.idFromName(doctorId));
}
