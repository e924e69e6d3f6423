// The booking page in Chromium: a new patient's whole journey, and the slot grid by keyboard.
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays, unique } from "../client";
import {
	ctx,
	focusedSlot,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	signedIn,
	slot,
	useBrowser,
	waitForAttribute,
	waitForToast,
} from "./browser";

const browser = useBrowser();

describe("booking page", () => {
	it("lets a new patient register, book a slot, see it in my appointments and cancel it", async () => {
		const name = unique("Dr. Journey");
		const doctor = await createDoctor(ctx, {}, { name, specialty: "Cardiology" });
		const date = inDays(3);
		const start = at(date, "10:30");
		const email = `${unique("journey")}@docslot.test`;
		const page = await browser.page();

		// Find the doctor by name, then open the day (the doctor's zone is UTC, so 10:30 is shown as 10:30).
		await page.goto(`${ctx.baseUrl}/`);
		await page.getByTestId("doctor-search").fill(name);
		await page.locator(`[data-testid="doctor-option"][data-doctor-id="${doctor.id}"]`).click();
		await page.locator(`[data-testid="date-button"][data-date="${date}"]`).click();
		await waitForAttribute(page.getByTestId("live-status"), "data-state", "open");
		expect(new URL(page.url()).searchParams.get("date")).toBe(date);
		await waitForAttribute(slot(page, start), "data-status", "available");
		expect(await page.getByTestId("slot").count()).toBe(16);
		await slot(page, start).click();
		await expect
			.poll(() => slot(page, start).evaluate((el) => el.classList.contains("is-selected")))
			.toBe(true);
		expect(await page.getByTestId("booking-summary").textContent()).toContain("10:30");

		// Not signed in: register inline, then the booking form appears.
		await page.getByTestId("auth-tab-register").click();
		await page.getByTestId("register-name").fill("Ada <b>Lovelace</b>");
		await page.getByTestId("register-email").fill(email);
		await page.getByTestId("register-password").fill("journey-pass-123");
		await page.getByTestId("register-submit").click();
		await page.getByTestId("booking-form").waitFor();
		expect(await page.getByTestId("session-user").textContent()).toBe("Ada <b>Lovelace</b>");
		await page.getByTestId("mode-video").check();
		await page.getByTestId("reason").fill("Check-up <script>alert(1)</script>");
		await page.getByTestId("confirm-booking").click();

		// The confirmation names what was booked; user text is shown as text.
		const confirmation = page.getByTestId("confirmation");
		await confirmation.getByText("Your appointment is booked").waitFor();
		const text = await confirmation.textContent();
		expect(text).toContain(name);
		expect(text).toContain("10:30");
		expect(text).toContain("Check-up <script>alert(1)</script>");
		const id = await confirmation.locator("[data-appointment-id]").getAttribute("data-appointment-id");
		expect(id).toMatch(new RegExp(`^${doctor.id}\\.${date}\\.`));
		const stored = await api(ctx.baseUrl, "GET", `/api/appointments/${id}`, { token: doctor.token });
		expect(stored.status).toBe(200);
		expect(stored.body.appointment).toMatchObject({
			start,
			status: "confirmed",
			consultation_mode: "video",
			reason: "Check-up <script>alert(1)</script>",
		});

		// My appointments lists it; cancelling asks once more, then the row says cancelled.
		await page.getByTestId("view-my-appointments").click();
		const row = page.locator(`[data-testid="my-appointment"][data-appointment-id="${id}"]`);
		await row.waitFor();
		expect(await page.getByTestId("upcoming-appointments").getByTestId("my-appointment").count()).toBe(1);
		expect(await row.getAttribute("data-status")).toBe("confirmed");
		expect(await row.textContent()).toContain(name);
		await row.getByTestId("cancel-appointment").click();
		await row.getByTestId("confirm-cancel").click();
		await waitForAttribute(row, "data-status", "cancelled");
		expect(await row.getByTestId("appointment-status").textContent()).toMatch(/cancelled/i);
		expect(await row.getByTestId("cancel-appointment").count()).toBe(0);
		await waitForToast(page, "Appointment cancelled.");
		const after = await api(ctx.baseUrl, "GET", `/api/appointments/${id}`, { token: doctor.token });
		expect(after.body.appointment.status).toBe("cancelled");

		// Back on the day, the place is free again.
		await page.getByTestId("nav-book").click();
		await waitForAttribute(slot(page, start), "data-status", "available");
	});

	it("has a keyboard-usable slot grid: arrows move focus, Enter and Space select", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const date = inDays(4);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await openDay(page, doctor.id, date);

		const focused = () => focusedSlot(page);
		// One tab stop for the grid: the first free slot; the others are reachable by arrows only.
		const stops = await page
			.getByTestId("slot")
			.evaluateAll((els) => els.map((el) => el.getAttribute("tabindex")));
		expect(stops.filter((t) => t === "0")).toHaveLength(1);
		expect(stops[0]).toBe("0");

		await slot(page, at(date, "09:00")).focus();
		await page.keyboard.press("ArrowRight");
		expect(await focused()).toBe(at(date, "09:30"));
		await page.keyboard.press("ArrowLeft");
		expect(await focused()).toBe(at(date, "09:00"));
		const tops = await page
			.getByTestId("slot")
			.evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().top)));
		const columns = tops.filter((top) => top === tops[0]).length;
		expect(columns).toBeGreaterThan(1);
		await page.keyboard.press("ArrowDown");
		const below = new Date(Date.parse(at(date, "09:00")) + columns * 30 * 60_000).toISOString();
		expect(await focused()).toBe(below);
		await page.keyboard.press("End");
		expect(await focused()).toBe(at(date, "16:30"));
		await page.keyboard.press("Home");
		expect(await focused()).toBe(at(date, "09:00"));

		// Enter selects the focused slot, and focus stays on the grid.
		await page.keyboard.press("ArrowRight");
		await page.keyboard.press("Enter");
		await waitForAttribute(slot(page, at(date, "09:30")), "aria-pressed", "true");
		expect(await page.getByTestId("booking-summary").textContent()).toContain("09:30");
		expect(await focused()).toBe(at(date, "09:30"));

		// Space selects another one; the first is no longer selected.
		await page.keyboard.press("ArrowRight");
		await page.keyboard.press("Space");
		await waitForAttribute(slot(page, at(date, "10:00")), "aria-pressed", "true");
		expect(await slot(page, at(date, "09:30")).getAttribute("aria-pressed")).toBe("false");
		expect(await page.getByTestId("booking-summary").textContent()).toContain("10:00");

		// Tab leaves the grid for the next control rather than walking through every slot.
		await page.keyboard.press("Tab");
		expect(await focused()).toBeNull();
		expect(await page.getByTestId("slot-grid").locator(":focus").count()).toBe(0);
		expect(await page.locator(":focus").getAttribute("data-testid")).toBe("mode-in_person");
	});

	it("keeps the focus where the patient is in the form when the hold's answer redraws it", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const date = inDays(4);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		// The hold's answer waits until the patient has tabbed into the form.
		let answerHold = () => {};
		const tabbed = new Promise<void>((resolve) => {
			answerHold = resolve;
		});
		await page.route(
			(url) => url.pathname === "/api/holds",
			async (route) => {
				await tabbed;
				await route.continue();
			},
		);
		await openDay(page, doctor.id, date);

		await slot(page, at(date, "09:00")).focus();
		await page.keyboard.press("Enter");
		await page.keyboard.press("Tab");
		expect(await page.locator(":focus").getAttribute("data-testid")).toBe("mode-in_person");
		answerHold();
		await page.getByTestId("hold-countdown").waitFor();
		expect(await page.locator(":focus").getAttribute("data-testid")).toBe("mode-in_person");
	});
});
