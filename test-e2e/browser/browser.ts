// Shared helpers for the browser tests: playwright-core driving Debian's /usr/bin/chromium (headless, no
// browser download). `useBrowser()` launches Chromium once per file, gives each test fresh contexts, and
// closes them after the test (the browser after the file). Every wait is bounded.
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import {
	type Browser,
	type BrowserContext,
	type BrowserContextOptions,
	chromium,
	type Locator,
	type Page,
} from "playwright-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { type Patient, registerPatients } from "../client";
import { ROOT } from "../server";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
	"--disable-quic",
];
/**
 * For pages that call getUserMedia: grant camera and microphone without a prompt, and feed them Chromium's
 * fake devices (a test pattern and a beep), so calls can run headless.
 */
export const FAKE_MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];
/** Default bound for any single wait on a page (element, attribute, navigation step). */
export const WAIT_MS = 15_000;
export const OUTPUT_DIR = path.join(ROOT, "test-output");
export const SCREENSHOT_DIR = path.join(OUTPUT_DIR, "screenshots");

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };

/** The `localStorage` keys under which the pages keep their sessions (public/js/*-page.js). */
export const PATIENT_SESSION_KEY = "docslot.session";
export const DOCTOR_SESSION_KEY = "docslot.doctor-session";

export interface Session {
	token: string;
	user: { id: string; email: string; name: string; role: string; doctor_id?: string | null };
}

/** A patient registered over the API, with the session object the booking page stores after sign-in. */
export async function newPatient(): Promise<Patient & { session: Session }> {
	const [patient] = await registerPatients(ctx, 1);
	if (!patient) throw new Error("no patient registered");
	return {
		...patient,
		session: {
			token: patient.token,
			user: { id: patient.id, email: patient.email, name: "E2E Patient", role: "patient" },
		},
	};
}

/** Context options that start the page already signed in (as if the user had signed in earlier). */
export function signedIn(key: string, session: Session): BrowserContextOptions {
	return {
		storageState: {
			cookies: [],
			origins: [{ origin: ctx.baseUrl, localStorage: [{ name: key, value: JSON.stringify(session) }] }],
		},
	};
}

export interface BrowserHandle {
	/** A new context (closed after the test); its pages wait at most WAIT_MS by default. */
	context(options?: BrowserContextOptions): Promise<BrowserContext>;
	/** A new page in a new context. */
	page(options?: BrowserContextOptions): Promise<Page>;
	/** Uncaught page errors seen during the current test (checked after it). */
	readonly pageErrors: string[];
}

/**
 * Registers the file's hooks: one Chromium per file, fresh contexts per test. After each test its contexts
 * are closed and it fails if any page threw an uncaught error; a failed test leaves a screenshot of each
 * of its pages under test-output/failures/. `fakeMedia` gives the pages fake, pre-granted camera and microphone.
 */
export function useBrowser(options: { fakeMedia?: boolean } = {}): BrowserHandle {
	let browser: Browser | undefined;
	let contexts: BrowserContext[] = [];
	const pageErrors: string[] = [];

	beforeAll(async () => {
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			args: options.fakeMedia ? [...CHROMIUM_ARGS, ...FAKE_MEDIA_ARGS] : CHROMIUM_ARGS,
			timeout: 30_000,
		});
	}, 60_000);

	afterEach(async (test) => {
		const open = contexts;
		contexts = [];
		const errors = pageErrors.splice(0);
		if (test.task.result?.state === "fail") {
			const dir = path.join(OUTPUT_DIR, "failures");
			mkdirSync(dir, { recursive: true });
			const name = test.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80);
			let i = 0;
			for (const page of open.flatMap((c) => c.pages())) {
				i += 1;
				await page
					.screenshot({ path: path.join(dir, `${name}-${i}.png`), fullPage: true, timeout: 5000 })
					.catch(() => {});
			}
		}
		await Promise.all(open.map((c) => c.close().catch(() => {})));
		if (errors.length > 0) throw new Error(`uncaught errors in the page:\n${errors.join("\n")}`);
	}, 30_000);

	afterAll(async () => {
		await browser?.close();
	}, 30_000);

	const context = async (options: BrowserContextOptions = {}) => {
		if (!browser) throw new Error("the browser is not running (useBrowser() must be called at file level)");
		const created = await browser.newContext({ viewport: DESKTOP, ...options });
		created.setDefaultTimeout(WAIT_MS);
		created.setDefaultNavigationTimeout(2 * WAIT_MS);
		created.on("page", (page) => watchErrors(page, pageErrors));
		contexts.push(created);
		return created;
	};
	return {
		context,
		page: async (options) => (await context(options)).newPage(),
		pageErrors,
	};
}

function watchErrors(page: Page, into: string[]) {
	page.on("pageerror", (error) => into.push(`${page.url()}: ${error.stack ?? error.message}`));
}

/** A full-page screenshot for a person to look at, written to SCREENSHOT_DIR/<name>.png. */
export async function shoot(page: Page, name: string): Promise<void> {
	// Let smooth scrolling and any layout after the last change settle.
	await page.waitForTimeout(300);
	await page.mouse.wheel(0, -100_000);
	await page.screenshot({
		path: path.join(SCREENSHOT_DIR, `${name}.png`),
		fullPage: true,
		animations: "disabled",
		caret: "hide",
		timeout: 15_000,
	});
}

// ---- the booking page --------------------------------------------------------------------------------

/** The slot button of `start` (the API's slot start, e.g. `at(date, "10:00")`). */
export const slot = (page: Page, start: string): Locator =>
	page.locator(`[data-testid="slot"][data-slot-start="${start}"]`);

/** Waits until `locator` has `name="value"` (polling the DOM every 50 ms, bounded). */
export async function waitForAttribute(
	locator: Locator,
	name: string,
	value: string,
	timeout = WAIT_MS,
): Promise<void> {
	const deadline = Date.now() + timeout;
	const target = locator.first();
	await target.waitFor({ state: "attached", timeout });
	let seen: string | null = null;
	while (Date.now() < deadline) {
		seen = await target.getAttribute(name, { timeout: Math.max(1, deadline - Date.now()) });
		if (seen === value) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(
		`${locator} has ${name}=${JSON.stringify(seen)}, not ${JSON.stringify(value)}, after ${timeout} ms`,
	);
}

/** The `data-slot-start` of the focused element, or null when no slot has focus. */
export async function focusedSlot(page: Page): Promise<string | null> {
	const starts = await page
		.locator(":focus")
		.evaluateAll((els) => els.map((el) => el.getAttribute("data-slot-start")));
	return starts[0] ?? null;
}

/**
 * Opens `/?doctor=&date=` and waits until the day's grid is drawn from the live channel (`live-status` is
 * "open" and a slot is shown), unless `live: false` (the page's socket is blocked or filtered).
 */
export async function openDay(
	page: Page,
	doctorId: string,
	date: string,
	{ live = true }: { live?: boolean } = {},
): Promise<void> {
	await page.goto(`${ctx.baseUrl}/?doctor=${encodeURIComponent(doctorId)}&date=${date}`);
	if (live) await waitForAttribute(page.getByTestId("live-status"), "data-state", "open");
	await page.getByTestId("slot").first().waitFor();
}

/** One signed-in page per patient, each in its own browser context, all on the same doctor-day and live. */
export async function patientPagesOnDay(
	browser: BrowserHandle,
	patients: readonly { session: Session }[],
	doctorId: string,
	date: string,
): Promise<Page[]> {
	const pages = await Promise.all(
		patients.map((p) => browser.page(signedIn(PATIENT_SESSION_KEY, p.session))),
	);
	await Promise.all(pages.map((page) => openDay(page, doctorId, date)));
	return pages;
}

/** Selects an available slot by clicking it and waits for the booking form (the page must be signed in). */
export async function selectSlot(page: Page, start: string): Promise<void> {
	const button = slot(page, start);
	await waitForAttribute(button, "data-status", "available");
	await button.click();
	await waitForAttribute(button, "aria-pressed", "true");
	await page.getByTestId("confirm-booking").waitFor();
}

/** Waits for a toast whose text contains `text`, and answers it. */
export async function waitForToast(page: Page, text: string | RegExp): Promise<string> {
	const toast = page.getByTestId("toast").filter({ hasText: text }).first();
	await toast.waitFor();
	return (await toast.textContent()) ?? "";
}

// ---- a clinic's site on another origin ---------------------------------------------------------------

export interface HostSite {
	/** `http://127.0.0.1:<port>`: another origin than the app's (another port). */
	origin: string;
	close(): Promise<void>;
}

/**
 * A tiny site on 127.0.0.1 and a free port that answers every GET with `html`, like a clinic's page that
 * embeds the widget. Close it when done.
 */
export async function hostSite(html: string): Promise<HostSite> {
	const server = createServer((request, response) => {
		if (request.url === "/favicon.ico") return void response.writeHead(404).end();
		response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
		response.end(html);
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		origin: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * A clinic's page with the widget's one tag for `doctorId`, recording every `docslot:booked` event that
 * reaches `window` in `window.__bookings`.
 */
export function clinicPage(doctorId: string, title = "Riverside Family Clinic"): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
	body { font-family: Georgia, serif; margin: 0; background: #f4efe6; color: #2b2b2b; }
	header { background: #234; color: #fff; padding: 16px 24px; }
	main { max-width: 920px; margin: 0 auto; padding: 16px; }
</style>
<script>
	window.__bookings = [];
	window.addEventListener("docslot:booked", (event) => window.__bookings.push(event.detail));
</script>
</head>
<body>
<header><strong>${title}</strong></header>
<main>
	<h1>Book a visit online</h1>
	<p>Choose a time below; you will get a confirmation at once.</p>
	<script src="${ctx.baseUrl}/widget.js" data-doctor="${doctorId}" async></script>
	<p>Questions? Call us on 01234 567890.</p>
</main>
</body>
</html>
`;
}
