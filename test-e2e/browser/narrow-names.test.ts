// A 40-character doctor name without a space, on a 390 px wide phone, in Chromium: no page of docslot may
// scroll sideways (the booking page's doctor list, day view, booking form, confirmation and appointments,
// the widget inside a clinic's page, the doctor's own page, and the admin page).
import type { Frame, Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { api, at, createDoctor, inDays, unique } from "../client";
import {
	clinicPage,
	ctx,
	DOCTOR_SESSION_KEY,
	type HostSite,
	hostSite,
	newPatient,
	PATIENT_SESSION_KEY,
	PHONE,
	type Session,
	selectSlot,
	signedIn,
	slot,
	useBrowser,
	waitForAttribute,
} from "./browser";
import { ADMIN_SESSION_KEY, adminSession } from "./visit-day";

const browser = useBrowser();
const LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffvoral";
const phone = { viewport: PHONE, isMobile: true, hasTouch: true };
let site: HostSite | undefined;
afterEach(async () => {
	await site?.close();
	site = undefined;
});

interface Width {
	scroll: number;
	layout: number;
	inner: number;
	/** The elements reaching past the right edge, to say where an overflow comes from. */
	wide: string[];
}

/**
 * The document's scroll width, its layout width (the window's, less any scroll bar) and the window's, with
 * the elements reaching past the right edge, to say where an overflow comes from.
 */
function measure(where: Page | Frame): Promise<Width> {
	return where.evaluate(() => {
		interface El {
			tagName: string;
			className: string;
			getBoundingClientRect(): { right: number };
		}
		const w = globalThis as unknown as {
			innerWidth: number;
			document: {
				documentElement: { scrollWidth: number; clientWidth: number };
				querySelectorAll(s: string): Iterable<El>;
			};
		};
		const { scrollWidth, clientWidth } = w.document.documentElement;
		const wide = [...w.document.querySelectorAll("body *")]
			.filter((el) => el.getBoundingClientRect().right > clientWidth + 0.5)
			.map((el) => `${el.tagName.toLowerCase()}.${String(el.className).replaceAll(" ", ".")}`)
			.slice(0, 8);
		return { scroll: scrollWidth, layout: clientWidth, inner: w.innerWidth, wide };
	});
}

/**
 * Fails, naming what sticks out, if `where` scrolls sideways: `document.documentElement.scrollWidth` must not
 * exceed `window.innerWidth`, which must be the layout's width (a phone zooms a too-wide page out instead).
 */
async function expectNoSidewaysScroll(where: Page | Frame, view: string) {
	const { scroll, layout, inner, wide } = await measure(where);
	expect({ view, scroll, inner, wide }).toEqual({
		view,
		scroll: Math.min(scroll, inner),
		inner: layout,
		wide: [],
	});
}

describe(`a ${LONG_NAME.length}-character doctor name at ${PHONE.width} px`, () => {
	it("does not make the booking page scroll sideways", async () => {
		const doctor = await createDoctor(ctx, {}, { name: LONG_NAME, specialty: "Otorhinolaryngology" });
		const patient = await newPatient();
		const date = inDays(3);
		const start = at(date, "10:00");
		const page = await browser.page({ ...phone, ...signedIn(PATIENT_SESSION_KEY, patient.session) });

		await page.goto(`${ctx.baseUrl}/`);
		const option = page.locator(`[data-testid="doctor-option"][data-doctor-id="${doctor.id}"]`);
		await option.waitFor();
		await expectNoSidewaysScroll(page, "doctor list");

		await option.click();
		await page.locator(`[data-testid="date-button"][data-date="${date}"]`).click();
		await waitForAttribute(slot(page, start), "data-status", "available");
		await expectNoSidewaysScroll(page, "day view");

		await selectSlot(page, start);
		expect(await page.getByTestId("booking-summary").textContent()).toContain(LONG_NAME);
		await expectNoSidewaysScroll(page, "booking form");

		await page.getByTestId("confirm-booking").click();
		await page.getByTestId("confirmation").locator("[data-appointment-id]").waitFor();
		await expectNoSidewaysScroll(page, "confirmation");

		await page.getByTestId("view-my-appointments").click();
		const row = page.getByTestId("my-appointment").first();
		await row.waitFor();
		expect(await row.textContent()).toContain(LONG_NAME);
		await expectNoSidewaysScroll(page, "my appointments");
	});

	it("does not make the widget, or the clinic's page around it, scroll sideways", async () => {
		const doctor = await createDoctor(ctx, {}, { name: LONG_NAME });
		const date = inDays(3);
		site = await hostSite(clinicPage(doctor.id));
		const page = await browser.page(phone);
		await page.goto(site.origin);
		const element = page.getByTestId("widget-frame");
		await element.waitFor();
		const frame = await (await element.elementHandle())?.contentFrame();
		if (!frame) throw new Error("the widget's frame has no document");
		await frame.getByText(`Book with ${LONG_NAME}`).waitFor();
		await frame.locator(`[data-testid="date-button"][data-date="${date}"]`).click();
		await waitForAttribute(
			frame.locator(`[data-testid="slot"][data-slot-start="${at(date, "10:00")}"]`),
			"data-status",
			"available",
		);

		await expectNoSidewaysScroll(page, "clinic page");
		await expectNoSidewaysScroll(frame, "widget frame");
	});

	it("does not make the admin page scroll sideways", async () => {
		const doctor = await createDoctor(ctx, {}, { name: LONG_NAME, specialty: unique("Specialty") });
		const page = await browser.page({ ...phone, ...signedIn(ADMIN_SESSION_KEY, adminSession()) });
		await page.goto(`${ctx.baseUrl}/admin`);
		await page.locator(`[data-testid="admin-doctor"][data-doctor-id="${doctor.id}"]`).waitFor();
		await expectNoSidewaysScroll(page, "admin page");
	});

	it("does not make the doctor's own page scroll sideways", async () => {
		const doctor = await createDoctor(ctx, {}, { name: LONG_NAME, specialty: unique("Specialty") });
		const login = await api(ctx.baseUrl, "POST", "/api/auth/login", {
			body: { email: doctor.email, password: doctor.password },
		});
		expect(login.status).toBe(200);
		const page = await browser.page({ ...phone, ...signedIn(DOCTOR_SESSION_KEY, login.body as Session) });
		await page.goto(`${ctx.baseUrl}/doctor`);
		await page.getByTestId("doctor-name").getByText(LONG_NAME).waitFor();
		await page.getByTestId("schedule-timezone").waitFor();
		await expectNoSidewaysScroll(page, "doctor page");
	});
});
