// Calendars in Chromium against the real service: "Add to calendar" on the confirmation saves the
// appointment's .ics, and "My appointments" makes a feed address that a calendar app (a plain fetch, no
// token) reads; the asset router hands /calendar/* and /fhir/* to the Worker (wrangler.toml run_worker_first).
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseCalendar } from "../../test/parse-ics";
import { at, createDoctor, inDays } from "../client";
import { ctx, newPatient, openDay, PATIENT_SESSION_KEY, selectSlot, signedIn, useBrowser } from "./browser";

const browser = useBrowser();

describe("calendars in the booking page", () => {
	it("saves the booking's .ics from the confirmation, and makes a feed address a calendar app can read", async () => {
		const doctor = await createDoctor(ctx);
		const patient = await newPatient();
		const date = inDays(4);
		const start = at(date, "11:00");
		const page = await browser.page({
			...signedIn(PATIENT_SESSION_KEY, patient.session),
			acceptDownloads: true,
		});
		await openDay(page, doctor.id, date);
		await selectSlot(page, start);
		const answer = page.waitForResponse(
			(r) => new URL(r.url()).pathname === "/api/appointments" && r.request().method() === "POST",
		);
		await page.getByTestId("confirm-booking").click();
		const { appointment } = await (await answer).json();

		const download = page.waitForEvent("download");
		await page.getByTestId("confirmation").getByTestId("add-to-calendar").click();
		const saved = await readFile(await (await download).path(), "utf8");
		expect(parseCalendar(saved).events).toEqual([
			expect.objectContaining({
				uid: `${appointment.id}@docslot`,
				status: "CONFIRMED",
				start: Date.parse(start),
				end: Date.parse(at(date, "11:30")),
			}),
		]);

		await page.getByTestId("view-my-appointments").click();
		const row = page.locator(`[data-testid="my-appointment"][data-appointment-id="${appointment.id}"]`);
		await row.getByTestId("add-to-calendar").waitFor();
		await page.getByTestId("make-calendar-feed").click();
		const url = await page.getByTestId("calendar-feed-url").inputValue();
		expect(url).toMatch(new RegExp(`^${ctx.baseUrl}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));

		// A calendar app: no token, no cookies. The projection may lag the booking by a moment.
		await expect
			.poll(
				async () => {
					const response = await fetch(url);
					expect(response.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
					return parseCalendar(await response.text()).events.map((e) => e.uid);
				},
				{ timeout: 10_000 },
			)
			.toEqual([`${appointment.id}@docslot`]);
	});

	it("serves FHIR from the Worker, not the static files", async () => {
		const response = await fetch(`${ctx.baseUrl}/fhir/r4/metadata`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/fhir+json; charset=utf-8");
		const body = (await response.json()) as { resourceType: string };
		expect(body.resourceType).toBe("CapabilityStatement");
	});
});
