// Screenshots of the three surfaces at desktop and phone width, for a person to look at:
// test-output/screenshots/{booking,doctor,widget}-{desktop,phone}.png (test-output/ is ignored by git).
// The pages show a realistic day: a full slot, one with a place left, a blocked hour and a chosen slot.
import { mkdirSync } from "node:fs";
import type { BrowserContextOptions } from "playwright-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, at, createDoctor, type Doctor, inDays, registerPatients } from "../client";
import {
	clinicPage,
	ctx,
	DESKTOP,
	DOCTOR_SESSION_KEY,
	type HostSite,
	hostSite,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	PHONE,
	SCREENSHOT_DIR,
	type Session,
	selectSlot,
	shoot,
	signedIn,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();
const widths = { desktop: { viewport: DESKTOP }, phone: { viewport: PHONE, isMobile: true, hasTouch: true } };
const DOCTOR_NAME = "Dr. Amara Nwosu";
const date = inDays(3);

let doctor: Doctor;
let patient: Awaited<ReturnType<typeof newPatient>>;
let site: HostSite | undefined;

beforeAll(async () => {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	doctor = await createDoctor(
		ctx,
		{ timezone: "Europe/London", capacity: 2 },
		{ name: DOCTOR_NAME, specialty: "General practice" },
	);
	[patient] = await Promise.all([newPatient()]);
	const others = await registerPatients(ctx, 3);
	// 10:00 full, 10:30 with one place left, 15:00 booked by the patient of the screenshots.
	const bookings = [
		[others[0], "10:00", "in_person"],
		[others[1], "10:00", "video"],
		[others[2], "10:30", "voice"],
		[patient, "15:00", "chat"],
	] as const;
	for (const [who, time, mode] of bookings) {
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: who?.token,
			body: { doctor_id: doctor.id, start: at(date, time), consultation_mode: mode, reason: "Follow-up" },
		});
		expect(booked.status).toBe(201);
	}
	const blocked = await api(ctx.baseUrl, "POST", `/api/doctors/${doctor.id}/unavailability`, {
		token: doctor.token,
		body: { date, start: "13:00", end: "14:00", reason: "Team meeting" },
	});
	expect(blocked.status).toBe(201);
}, 60_000);

afterEach(async () => {
	await site?.close();
	site = undefined;
});

describe("screenshots", () => {
	it("of the booking page, with a day open and a slot chosen", async () => {
		for (const [width, options] of Object.entries(widths)) {
			const page = await browser.page({ ...options, ...signedIn(PATIENT_SESSION_KEY, patient.session) });
			await openDay(page, doctor.id, date);
			await page.getByTestId("doctor-search").fill("Nwosu");
			await page.locator(`[data-testid="doctor-option"][data-doctor-id="${doctor.id}"]`).waitFor();
			expect(await slot(page, at(date, "10:00")).getAttribute("data-status")).toBe("full");
			expect(await slot(page, at(date, "13:30")).getAttribute("data-status")).toBe("unavailable");
			await selectSlot(page, at(date, "11:30"));
			await page.getByTestId("reason").fill("Persistent cough for two weeks");
			await shoot(page, `booking-${width}`);
		}
	});

	it("of the doctor page, signed in, with appointments and a blocked hour", async () => {
		const login = await api(ctx.baseUrl, "POST", "/api/auth/login", {
			body: { email: doctor.email, password: doctor.password },
		});
		expect(login.status).toBe(200);
		const session = login.body as Session;
		for (const [width, options] of Object.entries(widths)) {
			const page = await browser.page({
				...(options as BrowserContextOptions),
				...signedIn(DOCTOR_SESSION_KEY, session),
			});
			await page.goto(`${ctx.baseUrl}/doctor`);
			await waitForAttribute(page.getByTestId("live-status"), "data-state", "open");
			await page.getByTestId("doctor-appointment").first().waitFor();
			await page.getByTestId("unavailability-item").first().waitFor();
			await page.getByTestId("schedule-day-monday").waitFor();
			expect(await page.getByTestId("doctor-name").textContent()).toBe(DOCTOR_NAME);
			await shoot(page, `doctor-${width}`);
		}
	});

	it("of the widget on a clinic's page, a slot chosen and the sign-in shown", async () => {
		site = await hostSite(clinicPage(doctor.id));
		for (const [width, options] of Object.entries(widths)) {
			const page = await browser.page(options);
			await page.goto(site.origin);
			const frame = page.frameLocator('[data-testid="widget-frame"]');
			await frame.locator(`[data-testid="date-button"][data-date="${date}"]`).click();
			await waitForAttribute(frame.getByTestId("live-status"), "data-state", "open");
			const button = frame.locator(`[data-testid="slot"][data-slot-start="${at(date, "11:30")}"]`);
			await waitForAttribute(button, "data-status", "available");
			await button.click();
			await frame.getByTestId("auth-panel").waitFor();
			await shoot(page, `widget-${width}`);
		}
	});
});
