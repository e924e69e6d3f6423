// The waitlist in Chromium: a second patient joins the waitlist of a full slot, the first cancels, the second
// page shows the offer with its countdown (while the other page shows the place held) and accepts it.
// Screenshot: test-output/screenshots/waitlist-offer.png.
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	newPatient,
	patientPagesOnDay,
	SCREENSHOT_DIR,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

describe("the waitlist", () => {
	it("offers a cancelled place to the patient waiting for it, who accepts it from the page", async () => {
		const doctor = await createDoctor(ctx);
		const [first, second] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(5);
		const start = at(date, "10:00");
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: first.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(booked.status).toBe(201);
		const [a, b] = (await patientPagesOnDay(browser, [first, second], doctor.id, date)) as [Page, Page];
		await waitForAttribute(slot(b, start), "data-status", "full");

		// B picks the full slot and joins its waitlist.
		await slot(b, start).click({ force: true });
		const join = b.getByTestId("waitlist-join");
		expect(await join.textContent()).toMatch(/10:00 is full\. Tell me if a place frees up/);
		const joined = b.waitForResponse(
			(r) => r.url().endsWith("/api/waitlist") && r.request().method() === "POST",
		);
		await join.click();
		expect((await joined).status()).toBe(201);
		const entry = b.getByTestId("waitlist-entry");
		await entry.waitFor();
		expect(await entry.textContent()).toMatch(/number 1 in line/);

		// A cancels: the place is offered to B at once, held for B on every page.
		const cancelled = await api(
			ctx.baseUrl,
			"POST",
			`/api/appointments/${booked.body.appointment.id}/cancel`,
			{
				token: first.token,
			},
		);
		expect(cancelled.status).toBe(200);
		await waitForAttribute(slot(a, start), "data-status", "held");
		const offer = b.getByTestId("waitlist-offer");
		await offer.waitFor();
		expect(await b.getByTestId("waitlist-offer-countdown").textContent()).toMatch(
			/^A place at 10:00 freed up and is kept for you: 1[45]:\d\d left\.$/,
		);
		await b.screenshot({
			path: path.join(SCREENSHOT_DIR, "waitlist-offer.png"),
			animations: "disabled",
			caret: "hide",
		});

		const accepted = b.waitForResponse((r) => r.url().endsWith("/accept") && r.request().method() === "POST");
		await b.getByTestId("waitlist-accept").click();
		expect((await accepted).status()).toBe(201);
		await b.getByTestId("confirmation").locator("[data-appointment-id]").waitFor();
		await waitForAttribute(slot(a, start), "data-status", "full");
	});
});
