// "My appointments" reads its own writes, in Chromium: the server's list is a projection that may lag, so
// here it is made to answer what it held before each write, and the page must show the booking and the
// cancel at once anyway (also after a reload within the session), and let go once the list catches up.
import type { Page } from "playwright-core";
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
	WAIT_MS,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();

interface Appointment {
	id: string;
	status: string;
}

/**
 * Answers every read of the list (`GET /api/appointments`, not one appointment) with `listed()`, and counts
 * the reads; bookings and cancels still reach the server.
 */
async function freezeList(page: Page, listed: () => Appointment[]) {
	let reads = 0;
	await page.route(
		(url) => url.pathname === "/api/appointments",
		async (route) => {
			if (route.request().method() !== "GET") return route.fallback();
			reads += 1;
			await route.fulfill({ json: { appointments: listed(), next_cursor: null } });
		},
	);
	return () => reads;
}

/** Goes to "My appointments" from the booking view and waits for a fresh read of the list. */
async function revisit(page: Page, reads: () => number) {
	const before = reads();
	await page.getByTestId("nav-book").click();
	await page.getByTestId("nav-my-appointments").click();
	await expect.poll(reads, { timeout: WAIT_MS }).toBeGreaterThan(before);
}

describe("my appointments over a lagging list", () => {
	it("shows a booking and a cancel at once, after a reload too, until the list catches up", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const date = inDays(3);
		const start = at(date, "13:00");
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		let listed: Appointment[] = [];
		const reads = await freezeList(page, () => listed);

		await openDay(page, doctor.id, date);
		await selectSlot(page, start);
		const answer = page.waitForResponse(
			(r) => new URL(r.url()).pathname === "/api/appointments" && r.request().method() === "POST",
		);
		await page.getByTestId("confirm-booking").click();
		const booked = (await (await answer).json()).appointment as Appointment;
		expect(booked.status).toBe("confirmed");
		await page.getByTestId("view-my-appointments").click();

		// The list answers as before the booking (nothing), and the booking is shown all the same.
		const row = page.locator(`[data-testid="my-appointment"][data-appointment-id="${booked.id}"]`);
		await waitForAttribute(row, "data-status", "confirmed");
		expect(reads()).toBeGreaterThanOrEqual(1);
		expect(await page.getByTestId("my-appointments-empty").count()).toBe(0);
		expect(await row.getAttribute("data-slot-start")).toBe(start);

		// A reload within the session keeps it.
		const before = reads();
		await page.reload();
		await waitForAttribute(row, "data-status", "confirmed");
		expect(reads()).toBeGreaterThan(before);

		// The list now has the booking but not its cancel: the cancel shows at once, and on the next visit.
		listed = [booked];
		await revisit(page, reads);
		await row.getByTestId("cancel-appointment").click();
		await row.getByTestId("confirm-cancel").click();
		await waitForAttribute(row, "data-status", "cancelled");
		await revisit(page, reads);
		await waitForAttribute(row, "data-status", "cancelled");
		expect(await row.getByTestId("appointment-status").textContent()).toBe("Cancelled");
		expect(await row.getByTestId("cancel-appointment").count()).toBe(0);
		await page.reload();
		await waitForAttribute(row, "data-status", "cancelled");

		// The list catches up; after that the page's own copy is gone, so the list alone decides what is shown.
		listed = [{ ...booked, status: "cancelled" }];
		await revisit(page, reads);
		await waitForAttribute(row, "data-status", "cancelled");
		listed = [];
		await revisit(page, reads);
		await page.getByTestId("my-appointments-empty").waitFor();
		expect(await row.count()).toBe(0);
	});

	it("keeps one user's recent booking from another who signs in on the same tab", async () => {
		const doctor = await createDoctor(ctx);
		const [first, second] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(3);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, first.session));
		const reads = await freezeList(page, () => []);
		await openDay(page, doctor.id, date);
		await selectSlot(page, at(date, "14:00"));
		await page.getByTestId("confirm-booking").click();
		await page.getByTestId("view-my-appointments").click();
		await page.getByTestId("my-appointment").first().waitFor();

		await page.getByTestId("sign-out").click();
		const before = reads();
		await page.getByTestId("login-email").fill(second.email);
		await page.getByTestId("login-password").fill(second.password);
		await page.getByTestId("login-submit").click();
		await expect.poll(reads, { timeout: WAIT_MS }).toBeGreaterThan(before);
		await page.getByTestId("my-appointments-empty").waitFor();
		expect(await page.getByTestId("my-appointment").count()).toBe(0);
	});

	it("reschedules from the list to another day: the old one shows rescheduled, the new one confirmed", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: at(inDays(3), "09:00") },
		});
		expect(booked.status).toBe(201);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await page.goto(`${ctx.baseUrl}/#appointments`);
		const old = page.locator(
			`[data-testid="my-appointment"][data-appointment-id="${booked.body.appointment.id}"]`,
		);
		await waitForAttribute(old, "data-status", "confirmed");
		await old.getByTestId("reschedule-appointment").click();
		await old.getByTestId("reschedule-date").fill(inDays(4));
		const start = at(inDays(4), "10:00");
		await old.locator(`[data-testid="reschedule-slot"][data-start="${start}"]`).click();
		await old.getByTestId("confirm-reschedule").click();
		await waitForAttribute(old, "data-status", "rescheduled");
		const moved = page.locator(`[data-testid="my-appointment"][data-slot-start="${start}"]`);
		await waitForAttribute(moved, "data-status", "confirmed");
	});
});
