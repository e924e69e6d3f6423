// The day of the visit and the admin page in Chromium: an admin creates a clinic closed on Fridays on /admin
// and a patient's page shows Friday closed; a doctor confirms a pending booking in the day view, the patient's
// page turns it confirmed and the doctor's other tab follows (screenshots: lifecycle-screenshots.test.ts).
import { describe, expect, it } from "vitest";
import { weekdayOf } from "../../src/core/time";
import { api, at, createDoctor, inDays, unique } from "../client";
import {
	ctx,
	DOCTOR_SESSION_KEY,
	newPatient,
	PATIENT_SESSION_KEY,
	signedIn,
	useBrowser,
	waitForAttribute,
} from "./browser";
import { ADMIN_SESSION_KEY, adminSession, dayRow, doctorSession, openDayView } from "./visit-day";

const browser = useBrowser();

describe("the admin page", () => {
	it("creates a clinic closed on Fridays, and a patient's page shows Friday closed", async () => {
		const page = await browser.page(signedIn(ADMIN_SESSION_KEY, adminSession()));
		await page.goto(`${ctx.baseUrl}/admin`);
		const name = unique("Harbour Clinic");
		await page.getByTestId("clinic-name").fill(name);
		await page.getByTestId("closed-friday").check();
		await page.getByTestId("clinic-save").click();
		const item = page.getByTestId("clinic-item").filter({ hasText: name });
		await item.waitFor();
		expect(await item.textContent()).toContain("closed friday");
		const clinicId = (await item.getAttribute("data-clinic-id")) as string;

		await createDoctor(ctx, {}, { name: unique("Dr. Harbour"), clinic_id: clinicId });
		const friday = [1, 2, 3, 4, 5, 6, 7].map(inDays).find((d) => weekdayOf(d) === "friday") as string;
		const patient = await newPatient();
		const booking = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await booking.goto(`${ctx.baseUrl}/?clinic=${clinicId}`);
		await booking.getByTestId("doctor-option").first().click();
		const fridayButton = booking.locator(`[data-testid="date-button"][data-date="${friday}"]`);
		await waitForAttribute(fridayButton, "data-state", "clinic");
		// Read in the same step as the state: a later render may have replaced the button since.
		expect(await fridayButton.evaluate((b) => `${b.getAttribute("data-state")} ${b.textContent}`)).toMatch(
			/^clinic .*Closed/,
		);
	});
});

describe("the doctor's day", () => {
	it("confirms a pending booking: the patient's page turns it confirmed, the doctor's other tab follows", async () => {
		const doctor = await createDoctor(ctx, { capacity: 2, requires_approval: true });
		const patient = await newPatient();
		const date = inDays(2);
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: at(date, "10:00"), reason: "Knee pain" },
		});
		expect(booked.body.appointment?.status).toBe("pending");
		const id = booked.body.appointment.id as string;

		const mine = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await mine.goto(`${ctx.baseUrl}/#appointments`);
		const myRow = mine.locator(`[data-testid="my-appointment"][data-appointment-id="${id}"]`);
		await waitForAttribute(myRow, "data-status", "pending");
		// The count shows once the patient's own channel is open (its first message) and has the pending note.
		await mine.getByTestId("notification-count").waitFor();

		const context = await browser.context(
			signedIn(DOCTOR_SESSION_KEY, await doctorSession(doctor.email, doctor.password)),
		);
		const [tab, otherTab] = [await context.newPage(), await context.newPage()];
		await openDayView(tab, date);
		await openDayView(otherTab, date);
		const pending = tab.getByTestId("approval-queue").locator(`[data-appointment-id="${id}"]`);
		expect(await pending.getByTestId("patient-name").textContent()).toBe("E2E Patient");
		await pending.getByTestId("status-confirmed").click();

		await waitForAttribute(dayRow(tab, id), "data-status", "confirmed");
		await waitForAttribute(dayRow(otherTab, id), "data-status", "confirmed");
		await waitForAttribute(myRow, "data-status", "confirmed");
		expect(await myRow.getByTestId("appointment-status").textContent()).toBe("Confirmed");

		await dayRow(otherTab, id).getByTestId("status-checked_in").click();
		await waitForAttribute(dayRow(tab, id), "data-status", "checked_in");
	});
});
