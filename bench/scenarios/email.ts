// What the local send_email emulator costs: the same closed booking load on two services of their own, one
// with email sending off (as every other load runs, see EMAIL_OFF) and one with it on. Each booking notifies
// its doctor, whose account has an address, so each sends one email (the minted patients have none).
import { Ledger, type Verification, verify } from "../lib/booking";
import type { Config } from "../lib/config";
import { setServiceRoot } from "../lib/cpu";
import {
	createDoctors,
	doctorDays,
	mintPatients,
	openInboxes,
	type Patient,
	random,
	warm,
} from "../lib/fixtures";
import type { Source } from "../lib/server";
import { startTarget, type TargetName } from "../lib/targets";
import { closedBooking } from "./booking";

export interface EmailRow {
	target: TargetName;
	sending: "off" | "on";
	bookings: number;
	throughput: number;
	/** Service CPU ms per booking, until idle after the load: all processes, then by process name. */
	cpuMs: number;
	byProcess: Record<string, number>;
	verification: Verification;
}

const DOCTORS = 2;
const DAYS_PER_DOCTOR = 50;
const CAPACITY = 15;

export async function emailCost(
	name: TargetName,
	source: Source,
	config: Config,
	log: (message: string) => void,
): Promise<EmailRow[]> {
	const rows: EmailRow[] = [];
	for (const sending of ["off", "on"] as const) {
		const target = await startTarget(name, source, { vars: { EMAIL_SENDING: sending } });
		setServiceRoot(() => target.pid());
		try {
			const admin = { baseUrl: target.baseUrl, adminToken: target.adminToken };
			const days = doctorDays(await createDoctors(admin, DOCTORS, CAPACITY), DAYS_PER_DOCTOR);
			const patients = await mintPatients(target.authSecret, Math.min(config.patients, 1_000), "bench-mail");
			await openInboxes(target.baseUrl, patients);
			await warm(target.baseUrl, days);
			let next = 0;
			const load = {
				ledger: new Ledger(),
				rng: random(config.seed),
				nextPatient: () => patients[next++ % patients.length] as Patient,
			};
			const result = await closedBooking(load, target, days, config.connections, config.stepS);
			const bookings = result.statuses["201"] ?? 0;
			const perBooking = (ms: number) => ms / Math.max(1, bookings);
			const row: EmailRow = {
				target: name,
				sending,
				bookings,
				throughput: result.throughput,
				cpuMs: perBooking(result.cpu.serviceMs),
				byProcess: Object.fromEntries(
					Object.entries(result.cpu.serviceMsByProcess).map(([process, ms]) => [process, perBooking(ms)]),
				),
				verification: await verify(target.baseUrl, target.adminToken, load.ledger, days),
			};
			rows.push(row);
			log(
				`email ${sending}: ${row.throughput.toFixed(1)}/s, ${row.cpuMs.toFixed(2)} ms of service CPU per booking`,
			);
		} finally {
			await target.dispose();
		}
	}
	return rows;
}
