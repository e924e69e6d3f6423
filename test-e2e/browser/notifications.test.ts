// The notification bell in Chromium: a doctor's page shows its unread count rise, live, when a patient books
// in another browser context; the dropdown lists the notification and marks it read. Also a screenshot of the
// open dropdown (test-output/screenshots/notifications-doctor.png).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	DOCTOR_SESSION_KEY,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	SCREENSHOT_DIR,
	type Session,
	selectSlot,
	signedIn,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

describe("the notification bell", () => {
	it("rises on the doctor's page when a patient books in another browser, and marks read", async () => {
		const doctor = await createDoctor(ctx);
		const login = await api(ctx.baseUrl, "POST", "/api/auth/login", {
			body: { email: doctor.email, password: doctor.password },
		});
		const doctorPage = await browser.page(signedIn(DOCTOR_SESSION_KEY, login.body as Session));
		await doctorPage.goto(`${ctx.baseUrl}/doctor`);
		await doctorPage.getByTestId("notification-bell").waitFor();
		await waitForAttribute(doctorPage.getByTestId("live-status"), "data-state", "open");
		const count = doctorPage.getByTestId("notification-count");
		await waitForAttribute(count, "data-count", "0");
		expect(await count.isHidden()).toBe(true);

		// The patient books on the booking page, in a context of their own.
		const patient = await newPatient();
		const booking = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		const date = inDays(3);
		await openDay(booking, doctor.id, date);
		await booking.getByTestId("notification-bell").waitFor();
		await selectSlot(booking, at(date, "10:00"));
		await booking.getByTestId("confirm-booking").click();
		await booking.getByTestId("confirmation").locator("[data-appointment-id]").waitFor();

		// Without a reload, the doctor's bell counts it; so does the patient's own.
		await waitForAttribute(count, "data-count", "1");
		expect(await count.textContent()).toBe("1");
		await waitForAttribute(booking.getByTestId("notification-count"), "data-count", "1");

		await doctorPage.getByTestId("notification-bell").click();
		const item = doctorPage.getByTestId("notification-item");
		await item.first().waitFor();
		expect(await item.count()).toBe(1);
		expect(await item.first().getAttribute("data-unread")).toBe("true");
		expect(await item.first().textContent()).toMatch(/New booking.*A patient booked .* at 10:00/);
		mkdirSync(SCREENSHOT_DIR, { recursive: true });
		await doctorPage.screenshot({ path: path.join(SCREENSHOT_DIR, "notifications-doctor.png") });

		await item.first().getByTestId("notification-read").click();
		await waitForAttribute(item.first(), "data-unread", "false");
		await waitForAttribute(count, "data-count", "0");
		expect(await count.isHidden()).toBe(true);
	});
});
