// The doctors every scenario books or reads, created once per target.
import { inDays } from "../../test-e2e/client";
import type { Config } from "../lib/config";
import type { Fixtures } from "../lib/context";
import { createDoctors, type DoctorDay, doctorDays } from "../lib/fixtures";

const DAYS_PER_DOCTOR = 50; // within the default 60-day horizon, from tomorrow
const SPREAD_CAPACITY = 15;
const BASELINE_CAPACITY = 1000; // the 1-day baseline: nothing is refused during the run

export async function createFixtures(
	ctx: { baseUrl: string; adminToken: string },
	config: Config,
	log: (message: string) => void,
): Promise<Fixtures> {
	const started = Date.now();
	const contended = [];
	for (const capacity of [1, 15]) {
		const [doctor] = await createDoctors(ctx, 1, capacity);
		if (doctor) contended.push({ capacity, doctor });
	}
	const spread = new Map<number, DoctorDay[]>();
	for (const size of config.spread) {
		if (size === 1) {
			spread.set(1, doctorDays(await createDoctors(ctx, 1, BASELINE_CAPACITY), 1));
			continue;
		}
		const doctors = await createDoctors(ctx, Math.ceil(size / DAYS_PER_DOCTOR), SPREAD_CAPACITY);
		spread.set(size, doctorDays(doctors, Math.ceil(size / doctors.length)).slice(0, size));
	}
	const coldDoctors = await createDoctors(ctx, Math.ceil(config.coldDays / DAYS_PER_DOCTOR), SPREAD_CAPACITY);
	const coldDays = doctorDays(coldDoctors, DAYS_PER_DOCTOR).slice(0, config.coldDays);
	const rangeDoctors = await createDoctors(ctx, Math.ceil(config.coldRanges / 2), SPREAD_CAPACITY);
	const coldRanges = rangeDoctors
		.flatMap((d) => [
			{ doctorId: d.id, from: inDays(0), to: inDays(30) },
			{ doctorId: d.id, from: inDays(31), to: inDays(61) },
		])
		.slice(0, config.coldRanges);
	const [fanout] = await createDoctors(ctx, 1, SPREAD_CAPACITY);
	if (fanout === undefined) throw new Error("could not create the fan-out doctor");
	const warmUp = doctorDays(await createDoctors(ctx, 1, BASELINE_CAPACITY), 10);
	const doctors =
		2 + [...spread.values()].reduce((n, days) => n + new Set(days.map((d) => d.doctorId)).size, 0);
	log(
		`fixtures: ${doctors + coldDoctors.length + rangeDoctors.length + 2} doctors in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
	return { contended, spread, coldDays, coldRanges, fanout, warmUp };
}
