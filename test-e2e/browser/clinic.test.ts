// A clinic's page in Chromium: /?clinic=<id> offers only that clinic's doctors, and a day the clinic is
// closed (here every Friday) shows as "Closed" in the date strip, with no slots when opened.
import { describe, expect, it } from "vitest";
import { weekdayOf } from "../../src/core/time";
import { api, createDoctor, inDays, unique } from "../client";
import { ctx, useBrowser, WAIT_MS, waitForAttribute } from "./browser";

const browser = useBrowser();

describe("a clinic's page", () => {
	it("offers the clinic's doctors and shows the clinic's closed weekday as closed", async () => {
		const made = await api(ctx.baseUrl, "POST", "/api/clinics", {
			token: ctx.adminToken,
			body: { name: unique("Clinic"), timezone: "UTC", default_capacity: 15, closed_weekdays: ["friday"] },
		});
		expect(made.status).toBe(201);
		const clinicId = made.body.clinic.id as string;
		const name = unique("Dr. Clinic");
		const doctor = await createDoctor(ctx, {}, { name, clinic_id: clinicId });
		await createDoctor(ctx, {}, { name: unique("Dr. Elsewhere") });
		const friday = [1, 2, 3, 4, 5, 6, 7].map(inDays).find((d) => weekdayOf(d) === "friday") as string;

		const page = await browser.page();
		await page.goto(`${ctx.baseUrl}/?clinic=${clinicId}`);
		const options = page.getByTestId("doctor-option");
		await options.first().waitFor({ timeout: WAIT_MS });
		expect(await options.count()).toBe(1);
		await options.first().click();
		const fridayButton = page.locator(`[data-testid="date-button"][data-date="${friday}"]`);
		await waitForAttribute(fridayButton, "data-state", "clinic");
		expect(await fridayButton.textContent()).toContain("Closed");
		expect(await page.getByText(name).first().isVisible()).toBe(true);
		// The doctor is the clinic's; the API agrees with the page.
		const day = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/availability/date/${friday}`);
		expect(day.body).toMatchObject({ closed: "clinic", slots: [] });
	});
});
