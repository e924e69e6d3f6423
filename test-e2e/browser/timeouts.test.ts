// Requests that hang in Chromium: the page gives up after 10 s and says so, and retrying a booking whose
// answer never came sends the same Idempotency-Key, so the server answers with the booking it already made.
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	newPatient,
	openDay,
	PATIENT_SESSION_KEY,
	selectSlot,
	signedIn,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser();
/** public/js/api.js gives up after 10 s; a wait for its message allows that plus a margin. */
const PAST_TIMEOUT_MS = 25_000;
const TIMEOUT_TEXT = "did not answer within 10 seconds";

describe("requests that hang", () => {
	it("times a booking out, and its retry reuses the Idempotency-Key and books once", async () => {
		const doctor = await createDoctor(ctx, { capacity: 3 });
		const patient = await newPatient();
		const date = inDays(3);
		const start = at(date, "11:00");
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));

		// The first attempt reaches the server (which books it) but its answer never reaches the page.
		const keys: string[] = [];
		let unheard: Promise<{ appointment: { id: string } }> | undefined;
		await page.route("**/api/appointments", async (route) => {
			if (route.request().method() !== "POST") return route.fallback();
			keys.push(route.request().headers()["idempotency-key"] ?? "");
			if (keys.length === 1) {
				unheard = route.fetch({ timeout: 15_000 }).then((response) => response.json());
				return;
			}
			await route.continue();
		});
		await openDay(page, doctor.id, date);
		await selectSlot(page, start);
		const sent = Date.now();
		await page.getByTestId("confirm-booking").click();

		const timedOut = page.getByTestId("toast").filter({ hasText: TIMEOUT_TEXT });
		await timedOut.waitFor({ timeout: PAST_TIMEOUT_MS });
		expect(Date.now() - sent).toBeGreaterThanOrEqual(9_500);
		expect(await page.getByTestId("form-errors").textContent()).toContain("may not have gone through");
		const first = await unheard;
		expect(first?.appointment.id).toBeTruthy();

		await timedOut.getByRole("button", { name: "Try again" }).click();
		const card = page.getByTestId("confirmation").locator("[data-appointment-id]");
		await card.waitFor();
		expect(await card.getAttribute("data-appointment-id")).toBe(first?.appointment.id);
		expect(keys).toHaveLength(2);
		expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
		expect(keys[1]).toBe(keys[0]);

		// One booking: the slot holds one patient, and the patient has one appointment.
		const day = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.body.slots.find((s: { start: string }) => s.start === start)?.booked).toBe(1);
		const mine = await api(ctx.baseUrl, "GET", "/api/appointments", { token: patient.token });
		expect(mine.body.appointments.map((a: { id: string }) => a.id)).toEqual([first?.appointment.id]);
	});

	it("gives up on a list that hangs, says so, and loads it on Try again", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: at(inDays(2), "09:00") },
		});
		expect(booked.status).toBe(201);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		let hang = true;
		await page.route(
			(url) => url.pathname === "/api/appointments",
			async (route) => {
				if (!hang) await route.continue();
				// Otherwise never answered.
			},
		);
		await page.goto(`${ctx.baseUrl}/#appointments`);
		const error = page.getByTestId("my-appointments-error");
		await error.waitFor({ timeout: PAST_TIMEOUT_MS });
		expect(await error.textContent()).toContain(TIMEOUT_TEXT);
		expect(await error.getAttribute("role")).toBe("alert");

		hang = false;
		await page.getByTestId("my-appointments-retry").click();
		await page
			.locator(`[data-testid="my-appointment"][data-appointment-id="${booked.body.appointment.id}"]`)
			.waitFor();
	});

	it("sends a new key for a new attempt once the first one was answered", async () => {
		const doctor = await createDoctor(ctx, { capacity: 3 });
		const patient = await newPatient();
		const date = inDays(3);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		const keys: string[] = [];
		await page.route("**/api/appointments", async (route) => {
			if (route.request().method() !== "POST") return route.fallback();
			keys.push(route.request().headers()["idempotency-key"] ?? "");
			await route.continue();
		});
		await openDay(page, doctor.id, date);
		for (const time of ["09:00", "09:30"]) {
			await selectSlot(page, at(date, time));
			await page.getByTestId("confirm-booking").click();
			await page.getByTestId("confirmation").locator("[data-appointment-id]").waitFor();
			await page.getByTestId("book-another").click();
			await waitForAttribute(slot(page, at(date, time)), "data-remaining", "2");
		}
		expect(keys).toHaveLength(2);
		expect(keys[1]).not.toBe(keys[0]);
	});
});
