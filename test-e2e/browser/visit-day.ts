// Helpers for the day view and the admin page in Chromium: sessions, opening a day, finding an appointment.
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { api } from "../client";
import { ctx, type Session, waitForAttribute } from "./browser";

export const ADMIN_SESSION_KEY = "docslot.admin-session";

/** The session the admin page keeps after "Use admin token". */
export const adminSession = (): Session => ({
	token: ctx.adminToken,
	user: { id: "admin", email: "", name: "Administrator", role: "admin" },
});

export async function doctorSession(email: string, password: string): Promise<Session> {
	const login = await api(ctx.baseUrl, "POST", "/api/auth/login", { body: { email, password } });
	expect(login.status).toBe(200);
	return login.body as Session;
}

/** The doctor page, live, with its day view showing `date`. */
export async function openDayView(page: Page, date: string): Promise<void> {
	await page.goto(`${ctx.baseUrl}/doctor`);
	await waitForAttribute(page.getByTestId("live-status"), "data-state", "open");
	await page.getByTestId("day-view-date").fill(date);
	await waitForAttribute(page.getByTestId("day-view"), "data-date", date);
}

/** One appointment's row in a day view. */
export const dayRow = (page: Page, id: string) =>
	page.locator(`[data-testid="day-appointment"][data-appointment-id="${id}"]`);
