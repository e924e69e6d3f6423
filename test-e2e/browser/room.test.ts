// Consultation rooms in Chromium with fake camera and microphone: a patient and a doctor, each in their own
// browser context, join one video room, chat, and connect a call with the other's video playing (also when
// both offer at once); a chat room keeps its history across a reload; refused devices are explained.
// Screenshots of a video room and a chat room at desktop and phone width go to
// test-output/screenshots/room-{video,chat}-{desktop,phone}.png.
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { OPENS_BEFORE_MS } from "../../src/core/room";
import { allWeek, api, createDoctor, type Doctor } from "../client";
import {
	ctx,
	DOCTOR_SESSION_KEY,
	newPatient,
	PATIENT_SESSION_KEY,
	PHONE,
	SCREENSHOT_DIR,
	type Session,
	shoot,
	signedIn,
	useBrowser,
	waitForAttribute,
} from "./browser";

const browser = useBrowser({ fakeMedia: true });
const SLOT_MS = 5 * 60_000;

let doctor: Doctor;
let doctorSession: Session;
let patient: Awaited<ReturnType<typeof newPatient>>;
let videoId: string;
let chatId: string;

/** The first slot of the schedule below starting at or after `after` (epoch ms). */
function nextSlot(after: number): number {
	const start = Math.ceil(after / SLOT_MS) * SLOT_MS;
	// The schedule ends at 23:55 UTC, so the next slot after 23:50 is at midnight.
	return new Date(start).toISOString().slice(11, 16) === "23:55" ? start + SLOT_MS : start;
}

/**
 * Two consecutive slots, the first at least 10 s away and the second starting within 10 minutes, so both rooms
 * are open now (a room opens 10 minutes before its appointment). Waits for them when the second is further (up
 * to 10 s; near midnight, until the schedule's first slots come near).
 */
async function soonSlots(): Promise<[string, string]> {
	for (;;) {
		const now = Date.now();
		const first = nextSlot(now + 10_000);
		const second = nextSlot(first + SLOT_MS);
		const wait = second - OPENS_BEFORE_MS - now;
		if (wait <= 0) return [new Date(first).toISOString(), new Date(second).toISOString()];
		await new Promise((resolve) => setTimeout(resolve, wait));
	}
}

beforeAll(async () => {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	// A schedule around the clock (UTC), so a slot starting within minutes exists whenever the test runs.
	doctor = await createDoctor(
		ctx,
		{ slot_minutes: 5, weekly: allWeek([{ start: "00:00", end: "23:55" }]) },
		{ name: "Dr. Lena Brandt", specialty: "General practice" },
	);
	patient = await newPatient();
	const [video, chat] = await soonSlots();
	for (const [start, mode] of [
		[video, "video"],
		[chat, "chat"],
	] as const) {
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start, consultation_mode: mode, reason: "Rash on both arms" },
		});
		expect(booked.status).toBe(201);
		if (mode === "video") videoId = booked.body.appointment.id;
		else chatId = booked.body.appointment.id;
	}
	const login = await api(ctx.baseUrl, "POST", "/api/auth/login", {
		body: { email: doctor.email, password: doctor.password },
	});
	doctorSession = login.body as Session;
}, 60_000);

/**
 * The patient's and the doctor's pages in the room of `id`, each in its own context, both joined;
 * `beforePatient` runs on the patient's page before it opens the room.
 */
async function bothIn(id: string, beforePatient?: (page: Page) => Promise<void>): Promise<[Page, Page]> {
	const pages = await Promise.all([
		browser.page(signedIn(PATIENT_SESSION_KEY, patient.session)),
		browser.page(signedIn(DOCTOR_SESSION_KEY, doctorSession)),
	]);
	await beforePatient?.(pages[0]);
	await Promise.all(
		pages.map((page) => page.goto(`${ctx.baseUrl}/room?appointment=${encodeURIComponent(id)}`)),
	);
	for (const page of pages) await waitForAttribute(page.getByTestId("room"), "data-room-state", "open");
	return pages as [Page, Page];
}

async function say(page: Page, text: string): Promise<void> {
	await page.getByTestId("chat-input").fill(text);
	await page.getByTestId("chat-send").click();
}

const messages = (page: Page) => page.getByTestId("chat-message").allTextContents();

describe("a consultation room", () => {
	it("connects a video call between patient and doctor, with chat, each seeing the other's video", async () => {
		const [patientPage, doctorPage] = await bothIn(videoId);
		await say(patientPage, "Good morning, can you see the rash?");
		await doctorPage.getByTestId("chat-message").filter({ hasText: "can you see the rash" }).waitFor();
		await say(doctorPage, "Yes, hold your arm a little closer.");
		await patientPage.getByTestId("chat-message").filter({ hasText: "a little closer" }).waitFor();
		for (const page of [patientPage, doctorPage]) {
			const room = page.getByTestId("room");
			await waitForAttribute(room, "data-connection-state", "connected", 30_000);
			await waitForAttribute(room, "data-remote-playing", "true", 30_000);
			// The e2e project has no DOM types: the page function reads a <video> through a narrow shape.
			const remote = await page.getByTestId("remote-media").evaluate((video) => {
				const media = video as unknown as {
					videoWidth: number;
					paused: boolean;
					srcObject: { getVideoTracks(): unknown[] } | null;
				};
				return {
					width: media.videoWidth,
					paused: media.paused,
					tracks: media.srcObject?.getVideoTracks().length ?? 0,
				};
			});
			expect(remote.width).toBeGreaterThan(0);
			expect(remote).toMatchObject({ paused: false, tracks: 1 });
		}
		// Muting is local: the button says so and the track stops sending sound.
		await patientPage.getByTestId("mute").click();
		await waitForAttribute(patientPage.getByTestId("mute"), "aria-pressed", "true");

		await shoot(doctorPage, "room-video-desktop");
		await doctorPage.setViewportSize(PHONE);
		await shoot(doctorPage, "room-video-phone");

		// Hanging up ends the call on both sides; the chat stays.
		await patientPage.getByTestId("hang-up").click();
		await waitForAttribute(doctorPage.getByTestId("room"), "data-remote-playing", "false");
		expect(await doctorPage.getByTestId("chat-input").isEnabled()).toBe(true);
	});

	it("connects when both sides offer at once, the doctor's offer reaching the patient after its own", async () => {
		// The patient's camera takes half a second, so the doctor offers first. Between the patient's page and the
		// room, that offer (and all after it) waits until the patient has sent an offer too, and then arrives at
		// once: the offers cross, and the patient meets the doctor's right after making its own.
		let heldOffer: "patient's" | "doctor's" | null = null;
		const [patientPage, doctorPage] = await bothIn(videoId, async (page) => {
			await page.addInitScript({
				content: `{ const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
					navigator.mediaDevices.getUserMedia = (c) => new Promise((r) => setTimeout(r, 500)).then(() => ask(c)); }`,
			});
			await page.routeWebSocket(/\/live(\?|$)/, (ws) => {
				const server = ws.connectToServer();
				const isOffer = (message: string | Buffer) => String(message).includes('"type":"offer"');
				let patientOffered = false;
				let doctorOffered = false;
				const toServer: (string | Buffer)[] = [];
				const toPage: (string | Buffer)[] = [];
				const releaseOnceBothOffered = () => {
					if (!patientOffered || !doctorOffered || heldOffer !== null) return;
					heldOffer = toServer.length > 0 ? "patient's" : "doctor's";
					for (const message of toServer.splice(0)) server.send(message);
					for (const message of toPage.splice(0)) ws.send(message);
				};
				ws.onMessage((message) => {
					patientOffered ||= isOffer(message);
					if (patientOffered && !doctorOffered) toServer.push(message);
					else server.send(message);
					releaseOnceBothOffered();
				});
				server.onMessage((message) => {
					doctorOffered ||= isOffer(message);
					if (doctorOffered && !patientOffered) toPage.push(message);
					else ws.send(message);
					releaseOnceBothOffered();
				});
			});
		});
		for (const page of [patientPage, doctorPage]) {
			await waitForAttribute(page.getByTestId("room"), "data-connection-state", "connected", 30_000);
			await waitForAttribute(page.getByTestId("room"), "data-remote-playing", "true", 30_000);
		}
		expect(heldOffer).toBe("doctor's");
	});

	it("keeps a chat room's history for a participant who reloads, and shows no call", async () => {
		const [patientPage, doctorPage] = await bothIn(chatId);
		expect(await patientPage.getByTestId("call").isHidden()).toBe(true);
		await say(doctorPage, "Hello! Tell me about the rash.");
		await say(patientPage, "It started on Monday,\nboth arms, and it itches.");
		await doctorPage.getByTestId("chat-message").nth(1).waitFor();
		await patientPage.getByTestId("chat-message").nth(1).waitFor();
		const before = await messages(patientPage);
		expect(before).toHaveLength(2);
		await patientPage.reload();
		await waitForAttribute(patientPage.getByTestId("room"), "data-room-state", "open");
		await patientPage.getByTestId("chat-message").nth(1).waitFor();
		expect(await messages(patientPage)).toEqual(before);
		await shoot(patientPage, "room-chat-desktop");
		await patientPage.setViewportSize(PHONE);
		await shoot(patientPage, "room-chat-phone");
	});

	it("says clearly when the browser refuses the camera and microphone, and keeps the chat", async () => {
		const context = await browser.context(signedIn(PATIENT_SESSION_KEY, patient.session));
		// As if the user pressed "Block" (about:blank, where the script also runs, has no mediaDevices).
		await context.addInitScript({
			content: `if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = () =>
				Promise.reject(new DOMException("Permission denied", "NotAllowedError"));`,
		});
		const page = await context.newPage();
		await page.goto(`${ctx.baseUrl}/room?appointment=${encodeURIComponent(videoId)}`);
		await waitForAttribute(page.getByTestId("room"), "data-room-state", "open");
		const error = page.getByTestId("device-error");
		await error.waitFor();
		expect(await error.textContent()).toMatch(/did not allow the camera and microphone/);
		expect(await page.getByTestId("rejoin").isVisible()).toBe(true);
		expect(await page.getByTestId("chat-input").isEnabled()).toBe(true);
	});

	it("waits for a room that opens later, saying when", async () => {
		const later = new Date(nextSlot(Date.now() + 2 * 24 * 3_600_000)).toISOString();
		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient.token,
			body: { doctor_id: doctor.id, start: later, consultation_mode: "voice" },
		});
		expect(booked.status).toBe(201);
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await page.goto(`${ctx.baseUrl}/room?appointment=${encodeURIComponent(booked.body.appointment.id)}`);
		await waitForAttribute(page.getByTestId("room"), "data-room-state", "waiting");
		expect(await page.getByTestId("room-status").textContent()).toMatch(/opens at .+joins by itself/);
		expect(await page.getByTestId("chat-input").isDisabled()).toBe(true);
	});

	it("is linked from the patient's appointments", async () => {
		const page = await browser.page(signedIn(PATIENT_SESSION_KEY, patient.session));
		await page.goto(`${ctx.baseUrl}/#appointments`);
		const link = page.locator(
			`[data-testid="my-appointment"][data-appointment-id="${videoId}"] [data-testid="room-link"]`,
		);
		expect(await link.getAttribute("href")).toBe(`/room?appointment=${encodeURIComponent(videoId)}`);
	});
});
