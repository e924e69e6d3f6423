// The slot grid when its day cannot be had, in Chromium: the SLOT_FETCH_ERROR state with "Try again" instead
// of an endless skeleton, and the grid's own Refresh button, which reads the day again and resyncs the socket.
import type { Page, Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays } from "../client";
import {
	ctx,
	focusedSlot,
	newPatient,
	openDay,
	slot,
	useBrowser,
	WAIT_MS,
	waitForAttribute,
	waitForToast,
} from "./browser";

const browser = useBrowser();

type Answer = "500" | "abort" | "pass";

/**
 * Routes the HTTP read of one doctor-day (not its socket) through `answer()`; answers the requests seen.
 * @returns the number of reads so far, as a function
 */
async function routeDayReads(page: Page, doctorId: string, date: string, answer: () => Answer) {
	const path = `/api/doctors/${doctorId}/availability/date/${date}`;
	let reads = 0;
	await page.route(
		(url) => url.pathname === path,
		async (route: Route) => {
			reads += 1;
			const what = answer();
			if (what === "500") {
				await route.fulfill({
					status: 500,
					json: { error: { code: "INTERNAL", message: "Something went wrong." } },
				});
			} else if (what === "abort") await route.abort("failed");
			else await route.continue();
		},
	);
	return () => reads;
}

/**
 * The day's sockets: each is opened (mocked) but sends nothing while `silent()` is true, like a channel that
 * cannot deliver its snapshot; otherwise it is connected to the server. Answers the number of sockets seen.
 */
async function routeDaySockets(page: Page, silent: () => boolean) {
	let sockets = 0;
	await page.routeWebSocket(/\/availability\/date\/[\d-]+\/live$/, (ws) => {
		sockets += 1;
		if (!silent()) ws.connectToServer();
	});
	return () => sockets;
}

/** Polls `count()` until it exceeds `before`, bounded. */
async function waitForMore(count: () => number, before: number) {
	await expect.poll(count, { timeout: WAIT_MS }).toBeGreaterThan(before);
}

describe("the slot grid when a day cannot be loaded", () => {
	it("shows SLOT_FETCH_ERROR with Try again (500, then a network failure), then the slots once reads work", async () => {
		const doctor = await createDoctor(ctx);
		const date = inDays(4);
		const page = await browser.page();
		let answer: Answer = "500";
		const reads = await routeDayReads(page, doctor.id, date, () => answer);
		await routeDaySockets(page, () => true);

		await page.goto(`${ctx.baseUrl}/?doctor=${doctor.id}&date=${date}`);
		const error = page.getByTestId("slot-error");
		await error.waitFor();
		expect(await error.getAttribute("role")).toBe("alert");
		expect(await error.getAttribute("data-code")).toBe("SLOT_FETCH_ERROR");
		expect(await error.textContent()).toContain("We couldn't load this day's times (SLOT_FETCH_ERROR)");
		expect(await page.locator("#slot-grid .skeleton").count()).toBe(0);
		expect(await page.getByTestId("slots-refresh").isVisible()).toBe(true);
		expect(reads()).toBe(1);

		// By keyboard: Enter on "Try again" reads again; a network failure shows the error again, focus kept.
		answer = "abort";
		const retry = page.getByTestId("slot-error-retry");
		await retry.focus();
		await page.keyboard.press("Enter");
		await waitForMore(reads, 1);
		// The error is drawn again, and focus is on its new, idle "Try again".
		const idleRetryFocused = () =>
			page.locator('[data-testid="slot-error-retry"]:focus:not([aria-busy])').count();
		await expect.poll(idleRetryFocused, { timeout: WAIT_MS }).toBe(1);
		expect(await error.getAttribute("data-code")).toBe("SLOT_FETCH_ERROR");
		expect(await page.getByTestId("slot").count()).toBe(0);

		// Requests go through again: the next try draws the day, and focus moves to the grid's tab stop.
		answer = "pass";
		await page.keyboard.press("Enter");
		await waitForAttribute(slot(page, at(date, "09:00")), "data-status", "available");
		expect(await page.getByTestId("slot").count()).toBe(16);
		expect(await error.count()).toBe(0);
		await expect.poll(() => focusedSlot(page), { timeout: WAIT_MS }).toBe(at(date, "09:00"));
	});

	it("shows the error when the read times out and the socket stays silent, instead of an endless skeleton", async () => {
		const doctor = await createDoctor(ctx);
		const date = inDays(4);
		const page = await browser.page();
		let hang = true;
		const path = `/api/doctors/${doctor.id}/availability/date/${date}`;
		await page.route(
			(url) => url.pathname === path,
			async (route: Route) => {
				if (!hang) await route.continue();
				// Otherwise never answered: the page gives up after 10 s.
			},
		);
		await routeDaySockets(page, () => true);
		await page.goto(`${ctx.baseUrl}/?doctor=${doctor.id}&date=${date}`);
		await page.locator("#slot-grid .skeleton").first().waitFor();
		// 5 s until the page reads over HTTP, 10 s until it gives that up, and a margin.
		await page.getByTestId("slot-error").waitFor({ timeout: 25_000 });

		hang = false;
		await page.getByTestId("slot-error-retry").click();
		await waitForAttribute(slot(page, at(date, "12:00")), "data-status", "available");
	});

	it("Refresh reads the day again and resyncs a live channel that went quiet", async () => {
		const doctor = await createDoctor(ctx);
		const other = await newPatient();
		const date = inDays(4);
		const start = at(date, "10:00");
		const page = await browser.page();
		// Each socket delivers its snapshot and then nothing: the page never hears of the booking below.
		let sockets = 0;
		await page.routeWebSocket(/\/live$/, (ws) => {
			sockets += 1;
			const server = ws.connectToServer();
			let forwarded = 0;
			server.onMessage((message) => {
				if (message === "pong" || forwarded > 0) return;
				forwarded += 1;
				ws.send(message);
			});
		});
		let reads = 0;
		page.on("request", (request) => {
			if (new URL(request.url()).pathname === `/api/doctors/${doctor.id}/availability/date/${date}`)
				reads += 1;
		});
		await openDay(page, doctor.id, date);
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: other.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(booked.status).toBe(201);
		expect(await slot(page, start).getAttribute("data-status")).toBe("available");
		expect(sockets).toBe(1);

		const refresh = page.getByTestId("slots-refresh");
		expect(await refresh.getAttribute("aria-describedby")).toBe("slots-title");
		await refresh.focus();
		await page.keyboard.press("Enter");
		await waitForAttribute(slot(page, start), "data-status", "full");
		expect(sockets).toBe(2);
		await expect.poll(() => reads, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(1);
		expect(await page.getByTestId("slot-error").count()).toBe(0);
	});

	it("keeps the drawn grid and says so when a refresh cannot reach the day", async () => {
		const doctor = await createDoctor(ctx);
		const date = inDays(4);
		const page = await browser.page();
		let failing = false;
		await routeDayReads(page, doctor.id, date, () => (failing ? "500" : "pass"));
		const sockets = await routeDaySockets(page, () => failing);
		await openDay(page, doctor.id, date);

		failing = true;
		await page.getByTestId("slots-refresh").click();
		await waitForMore(sockets, 1);
		const message = await waitForToast(page, "We couldn't refresh this day's times (SLOT_FETCH_ERROR)");
		expect(message).toContain("may be out of date");
		expect(await page.getByTestId("slot").count()).toBe(16);
		expect(await page.getByTestId("slot-error").count()).toBe(0);
	});

	it("drops the previous doctor's slots at once while the next doctor's first free day is found", async () => {
		const [first, second] = await Promise.all([createDoctor(ctx), createDoctor(ctx)]);
		const date = inDays(4);
		const page = await browser.page();
		let release = () => {};
		const released = new Promise<void>((resolve) => {
			release = resolve;
		});
		await page.route(
			(url) => url.pathname === `/api/doctors/${second.id}/availability`,
			async (route) => {
				await released;
				await route.continue();
			},
		);
		await openDay(page, first.id, date);
		await page.locator(`[data-testid="doctor-option"][data-doctor-id="${second.id}"]`).click();
		// The second doctor's days are still being read (well inside the page's 10 s request timeout, and the
		// address still names the first doctor's day): nothing of the first doctor's day can be picked.
		await expect.poll(() => page.getByTestId("slot").count(), { timeout: 3000 }).toBe(0);
		expect(new URL(page.url()).searchParams.get("doctor")).toBe(first.id);
		expect(await page.getByTestId("confirm-booking").count()).toBe(0);

		release();
		await page.locator('[data-testid="slot"][data-status="available"]').first().waitFor();
		expect(new URL(page.url()).searchParams.get("doctor")).toBe(second.id);
	});

	it("shows the date strip's days as unknown, not loading forever, when their counts cannot be read", async () => {
		const doctor = await createDoctor(ctx);
		const date = inDays(4);
		const page = await browser.page();
		// The range read fails only after the open day's grid has arrived, whose live count must survive it.
		let release = () => {};
		const released = new Promise<void>((resolve) => {
			release = resolve;
		});
		await page.route(
			(url) => url.pathname === `/api/doctors/${doctor.id}/availability`,
			async (route) => {
				await released;
				await route.fulfill({ status: 500, json: { error: { code: "INTERNAL", message: "Down." } } });
			},
		);
		await openDay(page, doctor.id, date);
		const day = page.locator(`[data-testid="date-button"][data-date="${date}"]`);
		const other = page.locator(`[data-testid="date-button"][data-date="${inDays(5)}"]`);
		await waitForAttribute(day, "data-state", "free");
		release();
		await waitForAttribute(other, "data-state", "unknown");
		expect(await other.getAttribute("aria-label")).toContain("free places unknown");
		expect(await day.getAttribute("data-state")).toBe("free");
		expect(await day.getAttribute("data-available")).toBe("16");
	});
});
