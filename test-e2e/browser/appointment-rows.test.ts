// Appointment rows at a phone's, a tablet's, a small laptop's and a desktop's width, in Chromium: a name
// stays on one line. The rows put a badge and up to four buttons beside the name; where the list is too
// narrow for that (the doctor's coming appointments beside the weekly schedule) they go under it, instead of
// squeezing the name into a column a letter wide.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { api, at, createDoctor, type Doctor, inDays } from "../client";
import {
	ctx,
	DESKTOP,
	DOCTOR_SESSION_KEY,
	newPatient,
	PATIENT_SESSION_KEY,
	PHONE,
	signedIn,
	useBrowser,
} from "./browser";
import { doctorSession } from "./visit-day";

const browser = useBrowser();
const WIDTHS = {
	desktop: DESKTOP,
	// Wide enough for the rows' four columns, not for a name beside four buttons at their full width.
	laptop: { width: 960, height: 900 },
	tablet: { width: 820, height: 1180 },
	phone: PHONE,
};
const DOCTOR_NAME = "Dr. Amara Nwosu-Okafor";
const date = inDays(3);

let doctor: Doctor;
let patient: Awaited<ReturnType<typeof newPatient>>;

beforeAll(async () => {
	doctor = await createDoctor(ctx, { capacity: 2 }, { name: DOCTOR_NAME });
	patient = await newPatient();
	// A video visit adds "Join the consultation" to Reschedule and Cancel: the widest row there is.
	for (const [time, mode] of [
		["10:00", "in_person"],
		["10:30", "video"],
		["11:00", "chat"],
	] as const) {
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: at(date, time), consultation_mode: mode, reason: "Follow-up" },
		});
		expect(booked.status).toBe(201);
	}
}, 60_000);

/** How many lines each element matching `selector` sets its text on. */
function linesOf(page: Page, selector: string): Promise<number[]> {
	return page.locator(selector).evaluateAll((elements) => {
		interface Rect {
			top: number;
		}
		const doc = (globalThis as unknown as { document: { createRange(): unknown } }).document;
		return elements.map((element) => {
			const range = doc.createRange() as {
				selectNodeContents(n: unknown): void;
				getClientRects(): Iterable<Rect>;
			};
			range.selectNodeContents(element);
			return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
		});
	});
}

describe("appointment rows keep each name on one line", () => {
	it("on the doctor's page, in the coming appointments beside the schedule", async () => {
		const session = await doctorSession(doctor.email, doctor.password);
		for (const [width, viewport] of Object.entries(WIDTHS)) {
			const page = await browser.page({ viewport, ...signedIn(DOCTOR_SESSION_KEY, session) });
			await page.goto(`${ctx.baseUrl}/doctor`);
			const rows = page.locator(`[data-testid="doctor-appointment"][data-slot-start^="${date}"]`);
			await rows.nth(2).waitFor();
			await expect.poll(() => rows.getByRole("button", { name: "Cancel" }).count()).toBe(3);
			const names = `[data-testid="doctor-appointment"][data-slot-start^="${date}"] .appointment-doctor`;
			await expect.poll(() => linesOf(page, names), { message: width }).toEqual([1, 1, 1]);
			await page.close();
		}
	});

	it("on the patient's own appointments", async () => {
		for (const [width, viewport] of Object.entries(WIDTHS)) {
			const page = await browser.page({ viewport, ...signedIn(PATIENT_SESSION_KEY, patient.session) });
			await page.goto(`${ctx.baseUrl}/#appointments`);
			const rows = page.getByTestId("my-appointment");
			await expect.poll(() => rows.getByText(DOCTOR_NAME).count()).toBe(3);
			const names = '[data-testid="my-appointment"] .appointment-doctor';
			await expect.poll(() => linesOf(page, names), { message: width }).toEqual([1, 1, 1]);
			await page.close();
		}
	});
});
