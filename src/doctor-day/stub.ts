// The one place that names doctor-day objects: "<doctor_id>:<YYYY-MM-DD>".
export function doctorDayName(doctorId: string, date: string): string {
	return `${doctorId}:${date}`;
}

export function doctorDay(env: Env, doctorId: string, date: string) {
	return env.DOCTOR_DAY.get(env.DOCTOR_DAY.idFromName(doctorDayName(doctorId, date)));
}
