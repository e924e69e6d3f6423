// The one place that names Room objects: one per appointment id.
export function roomObject(env: Env, appointmentId: string) {
	return env.ROOM.get(env.ROOM.idFromName(appointmentId));
}
