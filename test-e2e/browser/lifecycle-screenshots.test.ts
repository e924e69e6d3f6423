// Screenshots of the doctor's day view (names, the approval queue, a checked-in visit) and of the admin page
// showing that day, at desktop and phone width: test-output/screenshots/{doctor-day,admin}-{desktop,phone}.png.
import { mkdirSync } from "node:fs";
import type { BrowserContextOptions } from "playwright-core";
import { beforeAll, describe, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	DESKTOP,
	DOCTOR_SESSION_KEY,
	newPatient,
	PHONE,
	SCREENSHOT_DIR,
	shoot,
	signedIn,
	useBrowser,
	waitForAttribute,
} from "./browser";
import { ADMIN_SESSION_KEY, adminSession, dayRow, doctorSession, openDayView } from "./visit-day";

const browser = useBrowser();

beforeAll(() => mkdirSync(SCREENSHOT_DIR, { recursive: true }));

describe("screenshots", () => {
	const widths: Record<string, BrowserContextOptions> = {
		desktop: { viewport: DESKTOP },
		phone: { viewport: PHONE, isMobile: true, hasTouch: true },
	};

	it("of the doctor's day view and the admin page, at desktop and phone width", async () => {
		const doctor = await createDoctor(
			ctx,
			{ capacity: 3, requires_approval: true },
			{ name: "Dr. Amara Nwosu" },
		);
		const date = inDays(3);
		const patients = await Promise.all([newPatient(), newPatient(), newPatient()]);
		const ids: string[] = [];
		for (const [i, time] of ["09:00", "09:30", "10:00"].entries()) {
			const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
				token: patients[i]?.token,
				body: { doctor_id: doctor.id, start: at(date, time), reason: "Follow-up" },
			});
			ids.push(booked.body.appointment.id);
		}
		for (const [id, status] of [
			[ids[0], "confirmed"],
			[ids[0], "checked_in"],
			[ids[1], "confirmed"],
		])
			await api(ctx.baseUrl, "POST", `/api/appointments/${id}/status`, {
				token: doctor.token,
				body: { status },
			});
		const session = await doctorSession(doctor.email, doctor.password);
		for (const [width, options] of Object.entries(widths)) {
			const page = await browser.page({ ...options, ...signedIn(DOCTOR_SESSION_KEY, session) });
			await openDayView(page, date);
			await waitForAttribute(dayRow(page, ids[0] as string), "data-status", "checked_in");
			await page.getByTestId("day-view").scrollIntoViewIfNeeded();
			await shoot(page, `doctor-day-${width}`);

			const admin = await browser.page({ ...options, ...signedIn(ADMIN_SESSION_KEY, adminSession()) });
			await admin.goto(`${ctx.baseUrl}/admin`);
			await admin
				.locator(`[data-testid="admin-doctor"][data-doctor-id="${doctor.id}"]`)
				.getByTestId("doctor-day-open")
				.click();
			await admin.getByTestId("day-view-date").fill(date);
			await waitForAttribute(dayRow(admin, ids[0] as string), "data-status", "checked_in");
			await shoot(admin, `admin-${width}`);
		}
	});
});
