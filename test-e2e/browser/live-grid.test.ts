// The booking page's grid kept live in Chromium: another patient's booking, a last place held by the first
// to choose it (seen live, or on the hold's 409), and a doctor's new unavailability, all without reloading.
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
	slot,
	useBrowser,
	waitForAttribute,
	waitForToast,
} from "./browser";

const browser = useBrowser();

/** Confirms the booking form of `page` and waits for the confirmation view; answers the appointment id. */
async function confirm(page: Page): Promise<string> {
	await page.getByTestId("confirm-booking").click();
	const card = page.getByTestId("confirmation").locator("[data-appointment-id]");
	await card.waitFor();
	return (await card.getAttribute("data-appointment-id")) ?? "";
}

/**
 * Lets the page's live sockets connect and deliver their first message (the snapshot) but nothing after
 * it, so the page draws the day and then never hears of a change: its next submit meets the 409.
 */
async function deafenAfterSnapshot(page: Page): Promise<void> {
	await page.routeWebSocket(/\/live(\?|$)/, (ws) => {
		const server = ws.connectToServer();
		let forwarded = 0;
		server.onMessage((message) => {
			if (message === "pong") return;
			forwarded += 1;
			if (forwarded === 1) ws.send(message);
		});
	});
}

describe("the booking page's live grid", () => {
	it("turns a slot full in a second page, without reload, when the first page books it", async () => {
		const doctor = await createDoctor(ctx);
		const [booker, watcher] = await Promise.all([newPatient(), newPatient()]);
		const date = inDays(3);
		const start = at(date, "11:00");
		const [first, second] = await Promise.all([
			browser.page(signedIn(PATIENT_SESSION_KEY, booker.session)),
			browser.page(signedIn(PATIENT_SESSION_KEY, watcher.session)),
		]);
		await Promise.all([openDay(first, doctor.id, date), openDay(second, doctor.id, date)]);
		expect(await slot(second, start).getAttribute("data-status")).toBe("available");
		const navigations: string[] = [];
		second.on("framenavigated", (frame) => {
			if (frame === second.mainFrame()) navigations.push(frame.url());
		});

		await selectSlot(first, start);
		await confirm(first);

		await waitForAttribute(slot(second, start), "data-status", "full");
		expect(await slot(second, start).getAttribute("data-remaining")).toBe("0");
		expect(await slot(second, start).textContent()).toMatch(/full/i);
		// Only that slot changed, and the page was not reloaded.
		const statuses = await second
			.getByTestId("slot")
			.evaluateAll((els) => els.map((el) => el.dataset.status));
		expect(statuses.filter((s) => s === "full")).toHaveLength(1);
		expect(statuses.filter((s) => s === "available")).toHaveLength(15);
		expect(navigations).toEqual([]);
		// The grid no longer lets the second patient pick it.
		await slot(second, start).click({ force: true });
		expect(await second.getByTestId("confirm-booking").count()).toBe(0);
	});

	it("holds the last place for the first patient to choose it: others see it held, live or on the hold's 409 (SLOT_CHANGED), with alternatives", async () => {
		const doctor = await createDoctor(ctx, { capacity: 2 });
		const [winner, liveLoser, deafLoser, earlier] = await Promise.all([
			newPatient(),
			newPatient(),
			newPatient(),
			newPatient(),
		]);
		const date = inDays(3);
		const start = at(date, "14:00");
		// One of the two places is gone before anyone opens the page: the one left is the last.
		const taken = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: earlier.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(taken.status).toBe(201);

		const [winning, live, deaf] = await Promise.all([
			browser.page(signedIn(PATIENT_SESSION_KEY, winner.session)),
			browser.page(signedIn(PATIENT_SESSION_KEY, liveLoser.session)),
			browser.page(signedIn(PATIENT_SESSION_KEY, deafLoser.session)),
		]);
		await deafenAfterSnapshot(deaf);
		await Promise.all([
			openDay(winning, doctor.id, date),
			openDay(live, doctor.id, date),
			openDay(deaf, doctor.id, date),
		]);
		for (const page of [winning, live, deaf])
			expect(await slot(page, start).getAttribute("data-remaining")).toBe("1");

		// Choosing it holds it: nobody else fills a form for a place they can no longer get.
		await selectSlot(winning, start);

		// Live: the page that hears the hold shows the place held and does not let it be chosen.
		await waitForAttribute(slot(live, start), "data-status", "held");
		await slot(live, start).click({ force: true });
		expect(await live.getByTestId("confirm-booking").count()).toBe(0);

		// The page that did not hear it still shows the place; choosing it asks for a hold and gets the 409.
		expect(await slot(deaf, start).getAttribute("data-status")).toBe("available");
		const answer = deaf.waitForResponse(
			(r) => r.url().endsWith("/api/holds") && r.request().method() === "POST",
		);
		await slot(deaf, start).click();
		const refused = await answer;
		expect(refused.status()).toBe(409);
		// Its page showed an older version of the day (expected_version): the slot changed since, and the
		// answer says how it is now.
		expect((await refused.json()).error).toMatchObject({
			code: "SLOT_CHANGED",
			slot: { start, status: "held", held: 1, remaining: 0 },
		});
		expect(await waitForToast(deaf, "That time changed a moment ago.")).toContain(
			"Please choose another time.",
		);
		await deaf.getByTestId("alternatives-list").waitFor();
		const offered = await deaf
			.getByTestId("alternative")
			.evaluateAll((els) => els.map((el) => el.dataset.slotStart ?? ""));
		expect(offered.length).toBeGreaterThan(0);
		expect(offered.length).toBeLessThanOrEqual(5);
		expect(offered).not.toContain(start);
		// The choice is cleared, and the grid is brought up to date by reading the day again.
		expect(await deaf.getByTestId("confirm-booking").count()).toBe(0);
		await waitForAttribute(slot(deaf, start), "data-status", "held");

		// The holder confirms: full everywhere that listens.
		await confirm(winning);
		await waitForAttribute(slot(live, start), "data-status", "full");

		// An alternative is one click away from booking.
		const next = deaf.getByTestId("alternative").first();
		const nextStart = (await next.getAttribute("data-slot-start")) ?? "";
		await next.click();
		await waitForAttribute(slot(deaf, nextStart), "aria-pressed", "true");
		expect(await confirm(deaf)).toMatch(new RegExp(`^${doctor.id}\\.${date}\\.`));
	});

	it("greys the slots of a doctor's new unavailability on an open patient page, without reload", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const date = inDays(5);
		const [patientPage, doctorPage] = await Promise.all([
			browser.page(signedIn(PATIENT_SESSION_KEY, patient.session)),
			browser.page(),
		]);
		await openDay(patientPage, doctor.id, date);
		// The patient had picked 12:30, inside the coming block.
		await selectSlot(patientPage, at(date, "12:30"));

		// The doctor signs in on /doctor and blocks 12:00–13:00.
		await doctorPage.goto(`${ctx.baseUrl}/doctor`);
		await doctorPage.getByTestId("login-email").fill(doctor.email);
		await doctorPage.getByTestId("login-password").fill(doctor.password);
		await doctorPage.getByTestId("login-submit").click();
		await doctorPage.getByTestId("unavailability-form").getByTestId("unavailability-date").waitFor();
		await doctorPage.getByTestId("unavailability-date").fill(date);
		await doctorPage.getByTestId("unavailability-start").fill("12:00");
		await doctorPage.getByTestId("unavailability-end").fill("13:00");
		await doctorPage.getByTestId("unavailability-reason").fill("Team meeting");
		await doctorPage.getByTestId("unavailability-submit").click();
		const item = doctorPage.locator(`[data-testid="unavailability-item"][data-date="${date}"]`);
		await item.waitFor();
		expect(await item.textContent()).toContain("12:00–13:00");

		await waitForAttribute(slot(patientPage, at(date, "12:00")), "data-status", "unavailable");
		await waitForAttribute(slot(patientPage, at(date, "12:30")), "data-status", "unavailable");
		const statuses = await patientPage
			.getByTestId("slot")
			.evaluateAll((els) => els.map((el) => `${el.dataset.slotStart} ${el.dataset.status}`));
		expect(statuses.filter((s) => s.endsWith(" unavailable"))).toEqual([
			`${at(date, "12:00")} unavailable`,
			`${at(date, "12:30")} unavailable`,
		]);
		expect(statuses.filter((s) => s.endsWith(" available"))).toHaveLength(14);
		// The lost choice is explained, with other times offered.
		await waitForToast(patientPage, "is no longer available");
		expect(await patientPage.getByTestId("confirm-booking").count()).toBe(0);
		await patientPage.getByTestId("alternatives-list").waitFor();

		// Removing the block opens the times again, live.
		await item.getByTestId("remove-unavailability").click();
		await waitForAttribute(slot(patientPage, at(date, "12:00")), "data-status", "available");
		await waitForAttribute(slot(patientPage, at(date, "12:30")), "data-status", "available");
	});
});
