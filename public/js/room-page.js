// @ts-check
// The consultation room page (/room?appointment=<id>): finds which signed-in participant this is, waits for the
// room to open, then holds its socket: chat for every mode, and a call for voice and video (room-call.js).
// The page's state is in data attributes of #room (room state, the call's connection, remote media playing).
import { reconnectingSocket } from "../live.js";
import { ApiError, request, sessionStore } from "./api.js";
import { byId, h, toast } from "./dom.js";
import { createCall } from "./room-call.js";
import { modeLabel } from "./time.js";

/** The booking page's and the doctor page's sessions: whichever belongs to this appointment is used. */
const SESSIONS = [sessionStore("docslot.session"), sessionStore("docslot.doctor-session")];
const appointmentId = new URLSearchParams(location.search).get("appointment") ?? "";
const roomEl = byId("room");
const chatLog = byId("chat-log");
const input = /** @type {HTMLTextAreaElement} */ (byId("chat-input"));
const sendButton = /** @type {HTMLButtonElement} */ (byId("chat-send"));

/**
 * @typedef {{appointment_id: string, consultation_mode: "voice" | "video" | "chat", you: "patient" | "doctor",
 *   opens_at: string, closes_at: string, page: string, ice_servers: RTCIceServer[]}} Room
 * @typedef {{type: "message", id: string, from: "patient" | "doctor", text: string, at: string}} ChatMessage
 */

/** @type {ReturnType<typeof reconnectingSocket> | null} */
let channel = null;
/** @type {ReturnType<typeof createCall> | null} */
let call = null;
let callStarted = false;
let finished = false;
/** @type {Set<string>} */
const shown = new Set();

/**
 * @param {string} state loading | waiting | connecting | open | closed | error | signed-out
 * @param {string} text
 */
function setState(state, text) {
	roomEl.dataset.roomState = state;
	byId("room-status").textContent = text;
	const live = byId("live-status");
	live.hidden = !["connecting", "open"].includes(state);
	live.dataset.state = state === "open" ? "open" : "connecting";
	live.textContent = state === "open" ? "Connected" : "Connecting…";
	const chatOpen = state === "open";
	input.disabled = !chatOpen;
	sendButton.disabled = !chatOpen;
}

const apiPath = `/api/appointments/${encodeURIComponent(appointmentId)}/room`;

/** The room and the token that may enter it; null when no signed-in session belongs to this appointment. */
async function findSeat() {
	/** @type {unknown} */
	let refused = null;
	for (const store of SESSIONS) {
		const session = store.get();
		if (session === null) continue;
		try {
			const body = await request("GET", apiPath, { token: session.token });
			return { token: session.token, room: /** @type {Room} */ (body.room) };
		} catch (error) {
			// 401/403: this session is not one of the appointment's two participants; try the other one.
			if (error instanceof ApiError && (error.status === 401 || error.status === 403)) refused = error;
			else throw error;
		}
	}
	if (refused !== null) throw refused;
	return null;
}

/** @param {string} iso */
const clock = (iso) =>
	new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

/**
 * The time, with the day when it is not today ("Tue 16 Mar, 09:50").
 * @param {string} iso
 */
function when(iso) {
	const date = new Date(iso);
	if (date.toDateString() === new Date().toDateString()) return clock(iso);
	return new Intl.DateTimeFormat(undefined, {
		weekday: "short",
		day: "numeric",
		month: "short",
		hour: "2-digit",
		minute: "2-digit",
	}).format(date);
}

async function start() {
	setState("loading", "Opening the room…");
	if (appointmentId === "") return setState("error", "This link names no appointment.");
	let seat;
	try {
		seat = await findSeat();
	} catch (error) {
		return refused(error);
	}
	if (seat === null) {
		setState("signed-out", "Sign in first, then open this link again.");
		byId("room-status").append(
			" ",
			h("a", { href: "/#appointments", text: "Patients sign in here" }),
			", ",
			h("a", { href: "/doctor", text: "doctors here" }),
			".",
		);
		return;
	}
	const { token, room } = seat;
	const other = room.you === "patient" ? "doctor" : "patient";
	byId("room-meta").textContent =
		`${modeLabel(room.consultation_mode)} · open ${clock(room.opens_at)}–${clock(room.closes_at)}`;
	if (room.consultation_mode !== "chat" && call === null) call = setUpCall(room);
	connect(token, room, other);
}

/** @param {unknown} error */
function refused(error) {
	if (!(error instanceof ApiError)) return setState("error", String(error));
	const opensAt = Date.parse(String(error.details.opens_at ?? ""));
	if (error.code === "ROOM_CLOSED" && opensAt > Date.now()) {
		setState(
			"waiting",
			`The room opens at ${when(new Date(opensAt).toISOString())}. This page joins by itself then.`,
		);
		// Browsers cut timers longer than about 24.8 days short; looking again within a day is harmless.
		setTimeout(() => void start(), Math.min(opensAt - Date.now() + 500, 24 * 3_600_000));
		return;
	}
	if (error.code === "ROOM_CLOSED") return finish(error.message);
	if (error.status === 0) {
		setState("error", error.message);
		setTimeout(() => void start(), 5_000);
		return;
	}
	setState("error", error.message);
}

/** @param {string} message */
function finish(message) {
	finished = true;
	call?.stop();
	setState("closed", message);
}

/**
 * Holds the room's socket, with a fresh ticket for every (re)join, until the room closes or refuses this seat.
 * @param {string} token
 * @param {Room} room
 * @param {"patient" | "doctor"} other
 */
function connect(token, room, other) {
	if (finished) return;
	let joined = false;
	channel?.close();
	channel = reconnectingSocket(
		async () => {
			try {
				const body = await request("POST", "/api/live-tickets", {
					token,
					body: { channel: "room", appointment_id: room.appointment_id },
				});
				const url = new URL(`${apiPath}/live`, location.href);
				url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
				url.searchParams.set("ticket", body.ticket);
				return url.toString();
			} catch (error) {
				if (error instanceof ApiError && error.status !== 0 && error.status < 500) {
					refused(error);
					return null;
				}
				throw error;
			}
		},
		{
			onStatus(status) {
				if (status !== "connecting" || finished) return;
				setState("connecting", joined ? "Connection lost: joining again…" : "Joining the room…");
				joined = true;
			},
			onMessage: (message) => onMessage(message, room, other),
			onClose(event) {
				call?.present(false);
				const why = {
					4001: "Your session has expired: sign in again, then reopen this page.",
					4002: "The room has closed.",
					4003: "You joined this room from another window; this one has left it.",
				}[event.code];
				if (why === undefined) return true;
				// The room's own "closed" message, just before, may have said more (the appointment was cancelled).
				if (!finished) finish(why);
				return false;
			},
		},
	);
}

/**
 * @param {any} message
 * @param {Room} room
 * @param {"patient" | "doctor"} other
 */
function onMessage(message, room, other) {
	const name = other === "doctor" ? "The doctor" : "The patient";
	switch (message.type) {
		case "joined":
		case "presence": {
			const here = message.present.includes(other);
			setState("open", here ? `${name} is here.` : `Waiting for ${name.toLowerCase()} to join…`);
			if (message.type === "presence")
				toast(`${name} has ${message.state === "joined" ? "joined" : "left"}.`);
			if (call !== null) {
				call.present(here);
				if (!callStarted) {
					callStarted = true;
					void call.start();
				}
			}
			return;
		}
		case "history":
			for (const m of message.messages) showMessage(m, room.you);
			return;
		case "message":
			return showMessage(message, room.you);
		case "offer":
		case "answer":
		case "candidate":
			return call?.signal(message);
		case "hangup":
			call?.signal(message);
			toast(`${name} left the call.`);
			return;
		case "room":
			return finish(
				message.status
					? `This appointment was ${message.status}: its room is closed.`
					: "The room has closed.",
			);
		case "error":
			toast(message.message, { tone: "error" });
			return;
	}
}

/**
 * @param {ChatMessage} message
 * @param {"patient" | "doctor"} you
 */
function showMessage(message, you) {
	if (shown.has(message.id)) return;
	shown.add(message.id);
	const mine = message.from === you;
	const who = mine ? "You" : message.from === "doctor" ? "Doctor" : "Patient";
	chatLog.append(
		h(
			"li",
			{
				class: `chat-message${mine ? " is-mine" : ""}`,
				"data-testid": "chat-message",
				dataset: { from: message.from },
			},
			h("span", { class: "chat-meta", text: `${who} · ${clock(message.at)}` }),
			h("p", { class: "chat-text", text: message.text }),
		),
	);
	chatLog.scrollTop = chatLog.scrollHeight;
}

/** @param {Room} room */
function setUpCall(room) {
	const mode = room.consultation_mode === "video" ? "video" : "voice";
	const local = /** @type {HTMLVideoElement} */ (byId("local-media"));
	const remote = /** @type {HTMLVideoElement} */ (byId("remote-media"));
	const mute = /** @type {HTMLButtonElement} */ (byId("mute"));
	const camera = /** @type {HTMLButtonElement} */ (byId("camera"));
	const hangUp = /** @type {HTMLButtonElement} */ (byId("hang-up"));
	const rejoin = /** @type {HTMLButtonElement} */ (byId("rejoin"));
	const deviceError = byId("device-error");
	byId("call").hidden = false;
	byId("call").dataset.mode = mode;
	camera.hidden = mode !== "video";
	const created = createCall({
		mode,
		polite: room.you === "patient",
		iceServers: room.ice_servers,
		send: (frame) => channel?.send(JSON.stringify(frame)),
		local,
		remote,
		onDeviceError: (message) => {
			deviceError.hidden = message === null;
			deviceError.textContent = message ?? "";
		},
		onState: (state) => {
			roomEl.dataset.connectionState = state.connection;
			roomEl.dataset.remotePlaying = String(state.remotePlaying);
			mute.disabled = !state.hasMedia;
			camera.disabled = !state.hasMedia;
			hangUp.disabled = !state.inCall;
			rejoin.hidden = state.inCall && state.hasMedia;
			mute.setAttribute("aria-pressed", String(state.muted));
			mute.textContent = state.muted ? "Unmute" : "Mute";
			camera.setAttribute("aria-pressed", String(state.cameraOff));
			camera.textContent = state.cameraOff ? "Camera on" : "Camera off";
			byId("remote-placeholder").hidden = state.remotePlaying;
		},
	});
	mute.addEventListener("click", () => created.toggleMute());
	camera.addEventListener("click", () => created.toggleCamera());
	hangUp.addEventListener("click", () => created.hangUp());
	rejoin.addEventListener("click", () => {
		created.stop();
		void created.start();
	});
	return created;
}

byId("chat-form").addEventListener("submit", (event) => {
	event.preventDefault();
	const text = input.value.trim();
	if (text === "" || channel?.send(JSON.stringify({ type: "message", text })) !== true) return;
	input.value = "";
	input.focus();
});
input.addEventListener("keydown", (event) => {
	// Enter sends; Shift+Enter starts a new line.
	if (event.key === "Enter" && !event.shiftKey) {
		event.preventDefault();
		/** @type {HTMLFormElement} */ (byId("chat-form")).requestSubmit();
	}
});

void start();
