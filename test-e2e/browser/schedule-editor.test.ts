// The schedule editor in Chromium: a doctor sets a buffer, reserved places, a range's capacity and a visit
// type, previews a date's slots before saving, then saves, and the API answers what the form showed.
import { describe, expect, it } from "vitest";
import { allWeek, api, createDoctor } from "../client";
import { ctx, DOCTOR_SESSION_KEY, signedIn, useBrowser } from "./browser";
import { doctorSession } from "./visit-day";

const browser = useBrowser();

describe("the schedule editor", () => {
	it("previews the slots of a date with the form's rules, then saves them", async () => {
		const doctor = await createDoctor(ctx, { weekly: allWeek([{ start: "09:00", end: "11:00" }]) });
		const page = await browser.page(
			signedIn(DOCTOR_SESSION_KEY, await doctorSession(doctor.email, doctor.password)),
		);
		await page.goto(`${ctx.baseUrl}/doctor`);
		// The form is filled once the stored schedule has loaded: its ranges are drawn then.
		await page.getByTestId("schedule-day-monday").getByTestId("range-start").waitFor();
		await page.getByTestId("schedule-capacity").fill("3");
		await page.getByTestId("schedule-buffer-minutes").fill("10");
		await page.getByTestId("schedule-reserved-places").fill("1");
		await page.getByTestId("schedule-max-per-day").fill("20");
		await page.getByTestId("schedule-day-monday").getByTestId("range-capacity").fill("5");
		await page.getByTestId("add-visit-type").click();
		await page.locator(".visit-type .type-id").fill("long");
		await page.locator(".visit-type .type-name").fill("Long consultation");

		// 2027-03-15 is a Monday: 09:00, 09:40, 10:20 at the range's 5 places, one of them reserved.
		await page.getByTestId("schedule-preview-date").fill("2027-03-15");
		await page.getByTestId("schedule-preview-button").click();
		const preview = page.getByTestId("schedule-preview").locator("li");
		await preview.nth(2).waitFor();
		expect(await preview.allTextContents()).toEqual([
			"09:00: 5 places (4 for patients)",
			"09:40: 5 places (4 for patients)",
			"10:20: 5 places (4 for patients)",
		]);
		// The preview wrote nothing.
		const before = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/schedule`);
		expect(before.body.schedule).toMatchObject({ buffer_minutes: 0, reserved_places: 0 });

		await page.getByTestId("schedule-save").click();
		// Exactly "Saved": hasText matches any substring, whatever its case, and "Unsaved changes" shows until then.
		await page
			.getByTestId("schedule-status")
			.filter({ hasText: /^Saved$/ })
			.waitFor();
		const saved = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/schedule`);
		expect(saved.body.schedule).toMatchObject({
			capacity: 3,
			buffer_minutes: 10,
			reserved_places: 1,
			max_per_day: 20,
			appointment_types: [{ id: "long", name: "Long consultation", slots: 2 }],
		});
		expect(saved.body.schedule.weekly.monday).toEqual([{ start: "09:00", end: "11:00", capacity: 5 }]);
		expect(saved.body.schedule.weekly.tuesday).toEqual([{ start: "09:00", end: "11:00" }]);
	});
});
