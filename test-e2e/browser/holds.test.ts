// Holds in Chromium: choosing a slot holds it (with a countdown) and every other page shows it held at once;
// confirming books it, and the other page shows it full. Screenshot: test-output/screenshots/hold-countdown.png.
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { at, createDoctor, inDays } from "../client";
import {
	ctx,
	newPatient,
	patientPagesOnDay,
	SCREENSHOT_DIR,
	selectSlot,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

describe("holding a slot while the form is filled", () => {
	it("shows A's hold on B's page within a second, counts down on A's, and turns full on B when A confirms", async () => {
		const doctor = await createDoctor(ctx);
		const [holder, other] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(3);
		const start = at(date, "10:30");
		const [a, b] = (await patientPagesOnDay(browser, [holder, other], doctor.id, date)) as [Page, Page];

		const held = a.waitForResponse((r) => r.url().endsWith("/api/holds") && r.request().method() === "POST");
		await selectSlot(a, start);
		expect((await held).status()).toBe(201);
		const answered = Date.now();
		await waitForAttribute(slot(b, start), "data-status", "held", 1000);
		expect(Date.now() - answered).toBeLessThan(1000);
		expect(await slot(b, start).textContent()).toMatch(/held/i);
		// B cannot pick it.
		await slot(b, start).click({ force: true });
		expect(await b.getByTestId("confirm-booking").count()).toBe(0);

		const countdown = a.getByTestId("hold-countdown");
		await countdown.waitFor();
		expect(await countdown.textContent()).toMatch(/^Held for you: [45]:\d\d left$/);
		expect(await slot(a, start).textContent()).toMatch(/held for you/i);
		await a.screenshot({
			path: path.join(SCREENSHOT_DIR, "hold-countdown.png"),
			animations: "disabled",
			caret: "hide",
		});

		const booked = a.waitForRequest((r) => r.url().endsWith("/api/appointments") && r.method() === "POST");
		await a.getByTestId("confirm-booking").click();
		expect((await booked).postDataJSON()).toMatchObject({
			doctor_id: doctor.id,
			start,
			hold_id: expect.any(String),
		});
		await a.getByTestId("confirmation").locator("[data-appointment-id]").waitFor();
		await waitForAttribute(slot(b, start), "data-status", "full");
	});

	it("moves the hold when the patient chooses another slot: the first is free again on the other page", async () => {
		const doctor = await createDoctor(ctx);
		const [holder, other] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(4);
		const [first, second] = [at(date, "09:00"), at(date, "09:30")];
		const [a, b] = (await patientPagesOnDay(browser, [holder, other], doctor.id, date)) as [Page, Page];
		await selectSlot(a, first);
		await waitForAttribute(slot(b, first), "data-status", "held");
		await selectSlot(a, second);
		await waitForAttribute(slot(b, second), "data-status", "held");
		await waitForAttribute(slot(b, first), "data-status", "available");
	});
});
