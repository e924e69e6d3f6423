// A doctor's changed config goes to their Doctor object, which pushes it durably to every day it touches.
import { loadCurrentDoctorConfig } from "../db/doctor-config";
import type { ConfigPushed } from "../doctor/doctor";
import { doctorObject } from "../doctor/stub";
import type { DoctorRow } from "./doctor-records";
import { forgetDoctorRoute } from "./doctor-route";
import { ApiError } from "./errors";
import { logEvent } from "./log";

/**
 * Reads the doctor's config as D1 now has it and hands it to the Doctor object, which stores it and
 * pushes it to the days of today … today + horizon (the larger of the old and new), or only `dates`.
 * Answers the future bookings the change leaves without a place, and the days that did not take it yet:
 * the Doctor object retries those until they do (objects keep the newest config version they see).
 */
export async function pushDoctorConfig(
	env: Env,
	doctor: DoctorRow,
	change: string,
	options: { previousHorizonDays?: number; dates?: readonly string[] } = {},
): Promise<ConfigPushed> {
	forgetDoctorRoute(doctor.id);
	const config = await loadCurrentDoctorConfig(env.DB, doctor.id);
	if (config === null) throw new ApiError("DOCTOR_NOT_FOUND");
	const pushed = await doctorObject(env, doctor.id).applyConfig(config, { change, ...options });
	if (pushed.pending.length > 0) {
		logEvent("config_push_pending", { doctor_id: doctor.id, change, pending_days: pushed.pending });
	}
	return pushed;
}
