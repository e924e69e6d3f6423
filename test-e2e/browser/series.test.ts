// Repeating appointments in Chromium: "Repeat" on the booking form books a weekly series (all or none), a
// taken week shows the conflicts list and books nothing, and "Cancel series" in My appointments ends them.
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	selectSlot,
	signedIn,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

describe("a repeating series from the booking page", () => {
	it("lists the conflicts of a taken week and books nothing; books every week once free; cancels the series", async () => {
		const doctor = await createDoctor(ctx);
		const [patient, other] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(3);
		const start = at(date, "15:00");
		const taken = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: other.token,
			body: { doctor_id: doctor.id, start: at(inDays(10), "15:00") },
		});
		expect(taken.status).toBe(201);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await openDay(page, doctor.id, date);
		await selectSlot(page, start);
		await page.getByTestId("repeat-every").selectOption("1");
		await page.getByTestId("repeat-count").fill("3");

		await page.getByTestId("confirm-booking").click();
		const conflict = page.getByTestId("series-conflict");
		await conflict.waitFor();
		expect(await conflict.count()).toBe(1);
		expect(await conflict.textContent()).toContain("15:00");

		// The other patient's week frees up: the same form now books all three.
		const cancelled = await api(
			ctx.baseUrl,
			"POST",
			`/api/appointments/${encodeURIComponent(taken.body.appointment.id)}/cancel`,
			{ token: other.token },
		);
		expect(cancelled.status).toBe(200);
		const answer = page.waitForResponse(
			(r) => new URL(r.url()).pathname === "/api/appointment-series" && r.request().method() === "POST",
		);
		await page.getByTestId("confirm-booking").click();
		const made = await answer;
		expect(made.status()).toBe(201);
		const { series } = await made.json();
		expect(series.appointments).toHaveLength(3);

		await page.getByTestId("view-my-appointments").click();
		const first = page.locator(
			`[data-testid="my-appointment"][data-appointment-id="${series.appointments[0].id}"]`,
		);
		await waitForAttribute(first, "data-status", "confirmed");
		await first.getByTestId("cancel-series").click();
		for (const a of series.appointments)
			await waitForAttribute(
				page.locator(`[data-testid="my-appointment"][data-appointment-id="${a.id}"]`),
				"data-status",
				"cancelled",
			);
	});
});
