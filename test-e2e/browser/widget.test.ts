// The embeddable widget in Chromium: one tag on a clinic's page served from another origin, a booking
// completed inside the frame, and the host page told about it.
import { afterEach, describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays, unique } from "../client";
import {
	clinicPage,
	ctx,
	type HostSite,
	hostSite,
	newPatient,
	slot,
	useBrowser,
	WAIT_MS,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();
let site: HostSite | undefined;
afterEach(async () => {
	await site?.close();
	site = undefined;
});

interface Recorded {
	appointment: { id: string; doctor_id: string; patient_id: string; start: string; status: string };
}

describe("the widget", () => {
	it("books inside its frame on another origin's page and tells the host page", async () => {
		const name = unique("Dr. Widget");
		const doctor = await createDoctor(ctx, {}, { name });
		const patient = await newPatient();
		const date = inDays(3);
		const start = at(date, "15:30");
		site = await hostSite(clinicPage(doctor.id));
		expect(new URL(site.origin).origin).not.toBe(new URL(ctx.baseUrl).origin);

		const page = await browser.page();
		await page.goto(site.origin);
		const element = page.getByTestId("widget-frame");
		await element.waitFor();
		expect(await element.getAttribute("src")).toBe(`${ctx.baseUrl}/embed?doctor=${doctor.id}`);
		const frame = page.frameLocator('[data-testid="widget-frame"]');

		// One doctor: no picker, straight to the days.
		await frame.getByText(`Book with ${name}`).waitFor();
		expect(await frame.getByTestId("doctor-picker").isVisible()).toBe(false);
		await frame.locator(`[data-testid="date-button"][data-date="${date}"]`).click();
		await waitForAttribute(frame.getByTestId("live-status"), "data-state", "open");
		const button = frame.locator(`[data-testid="slot"][data-slot-start="${start}"]`);
		await waitForAttribute(button, "data-status", "available");
		await button.click();

		// Sign in inside the frame, then book.
		await frame.getByTestId("login-email").fill(patient.email);
		await frame.getByTestId("login-password").fill(patient.password);
		await frame.getByTestId("login-submit").click();
		await frame.getByTestId("mode-chat").check();
		// The "Signed in" toast is showing now; it must not stand in the way of Confirm.
		await frame.getByTestId("toast").first().waitFor();
		await frame.getByTestId("confirm-booking").click();
		const card = frame.getByTestId("confirmation").locator("[data-appointment-id]");
		await card.waitFor();
		const id = await card.getAttribute("data-appointment-id");

		// The host page heard of it, with the appointment, as a DOM event on window.
		await page.waitForFunction(
			() => (globalThis as unknown as { __bookings: unknown[] }).__bookings.length > 0,
			undefined,
			{ timeout: WAIT_MS },
		);
		const bookings = await page.evaluate(
			() => (globalThis as unknown as { __bookings: Recorded[] }).__bookings,
		);
		expect(bookings).toHaveLength(1);
		expect(bookings[0]?.appointment).toMatchObject({
			id,
			doctor_id: doctor.id,
			patient_id: patient.id,
			start,
			status: "confirmed",
			consultation_mode: "chat",
		});
		const stored = await api(ctx.baseUrl, "GET", `/api/appointments/${id}`, { token: patient.token });
		expect(stored.status).toBe(200);
		expect(stored.body.appointment.start).toBe(start);

		// The frame follows its content's height, so the host page does not scroll it separately.
		const heights = async () => {
			const outer = await element.evaluate((el) => el.getBoundingClientRect().height);
			const inner = await frame.locator("body").evaluate((el) => el.getBoundingClientRect().height);
			return Math.abs(outer - Math.max(120, Math.ceil(inner)));
		};
		await expect.poll(heights, { timeout: WAIT_MS }).toBeLessThanOrEqual(1);

		// The app itself saw the booking: the slot is full on the app's own page too.
		const check = await browser.page();
		await check.goto(`${ctx.baseUrl}/?doctor=${doctor.id}&date=${date}`);
		await waitForAttribute(slot(check, start), "data-status", "full");
	});
});
