// Visit types in Chromium: a patient chooses a long consultation on the booking page, the grid marks the free
// starts too short for it, and the hold and the booking carry its type; then the doctor checks the patient in
// (over the API) and "My appointments" shows it at once. Screenshot: test-output/screenshots/visit-types.png.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allWeek, api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	SCREENSHOT_DIR,
	signedIn,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

describe("visit types on the booking page", () => {
	it("books a long consultation where it fits, and shows the check-in live in My appointments", async () => {
		const doctor = await createDoctor(ctx, {
			weekly: allWeek([{ start: "09:00", end: "11:00" }]),
			appointment_types: [{ id: "long", name: "Long consultation", slots: 2 }],
		});
		const [patient, other] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(5);
		// 10:00 taken: a long visit can start at 09:00 only (09:30 runs into 10:00, 10:30 past the range's end).
		const taken = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: other.token,
			body: { doctor_id: doctor.id, start: at(date, "10:00") },
		});
		expect(taken.status).toBe(201);

		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await openDay(page, doctor.id, date);
		const choice = page.getByTestId("visit-type-choice");
		await choice.waitFor();
		expect(await choice.textContent()).toContain("Long consultation · 1 h");
		await page.getByTestId("visit-type-long").check();
		await waitForAttribute(slot(page, at(date, "09:30")), "data-fits", "false");
		const fits = await page
			.getByTestId("slot")
			.evaluateAll((buttons) => buttons.map((b) => `${b.textContent} ${b.getAttribute("data-fits")}`));
		expect(fits).toEqual([
			"09:00Free true",
			"09:30Too short false",
			"10:00Full true",
			"10:30Too short false",
		]);
		mkdirSync(SCREENSHOT_DIR, { recursive: true });
		await page.screenshot({
			path: path.join(SCREENSHOT_DIR, "visit-types.png"),
			animations: "disabled",
			caret: "hide",
		});
		// A start too short for the visit cannot be picked.
		await slot(page, at(date, "09:30")).click({ force: true });
		expect(await page.getByTestId("confirm-booking").count()).toBe(0);

		const held = page.waitForRequest((r) => r.url().endsWith("/api/holds") && r.method() === "POST");
		await slot(page, at(date, "09:00")).click();
		expect((await held).postDataJSON()).toMatchObject({ start: at(date, "09:00"), type: "long" });
		await page.getByTestId("hold-countdown").waitFor();
		expect(await page.getByTestId("booking-summary").textContent()).toContain(
			"Long consultation · 09:00–10:00",
		);
		const booked = page.waitForResponse(
			(r) => r.url().endsWith("/api/appointments") && r.request().method() === "POST",
		);
		await page.getByTestId("confirm-booking").click();
		const answer = await booked;
		expect(answer.request().postDataJSON()).toMatchObject({ type: "long", hold_id: expect.any(String) });
		const { appointment } = await answer.json();
		expect(appointment).toMatchObject({ type: "long", start: at(date, "09:00"), end: at(date, "10:00") });

		await page.getByTestId("view-my-appointments").click();
		const row = page.locator(`[data-testid="my-appointment"][data-appointment-id="${appointment.id}"]`);
		await waitForAttribute(row, "data-status", "confirmed");
		// The patient's own channel is open once it has delivered the unread count (the booking's notice).
		await page.getByTestId("notification-count").waitFor();
		const checkedIn = await api(ctx.baseUrl, "POST", `/api/appointments/${appointment.id}/status`, {
			token: doctor.token,
			body: { status: "checked_in" },
		});
		expect(checkedIn.status).toBe(200);
		await waitForAttribute(row, "data-status", "checked_in");
	});
});
