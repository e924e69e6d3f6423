// @ts-check
// The booking page (and the widget's frame, served at /embed): views, session and the doctor → day → slot flow.
import { request, requestAllPages, sessionStore } from "./api.js";
import { createBookingFlow } from "./booking-flow.js";
import { addToCalendarButton } from "./calendar-links.js";
import { byId, clearWarnings, focusOn, h, replace, toast } from "./dom.js";
import { startEmbedBridge } from "./embed-bridge.js";
import { showMyAppointments } from "./my-appointments.js";
import { mountNotificationBell } from "./notification-bell.js";
import { createRecentAppointments } from "./recent-appointments.js";
import { roomLink } from "./room-link.js";
import { formatDate, formatTime, modeLabel, zoneLabel } from "./time.js";

const store = sessionStore("docslot.session");
/** @type {ReturnType<typeof createRecentAppointments<import("./my-appointments.js").Appointment>>} */
const recent = createRecentAppointments({ storage: sessionStorageOrNull() });
const params = new URLSearchParams(location.search);
const embedded = location.pathname.replace(/\/$/, "") === "/embed";
/** A clinic's page (/?clinic=ID, or the widget's data-clinic) offers that clinic's doctors. */
const clinic = params.get("clinic");
/** The widget may limit the page to some doctors: ?doctor=ID or ?doctors=ID1,ID2. */
const onlyDoctors = embedded
	? `${params.get("doctor") ?? ""},${params.get("doctors") ?? ""}`.split(",").filter(Boolean)
	: [];
const bridge = embedded ? startEmbedBridge() : null;

const views = {
	book: byId("book-view"),
	confirmation: byId("confirmation-view"),
	appointments: byId("appointments-view"),
};
/** @type {Map<string, {id: string, name: string, specialty: string | null}>} */
const doctorsById = new Map();

const flow = createBookingFlow({
	session: () => store.get(),
	onSession: signedIn,
	onUnauthorized: () => signOut("Your session has expired. Please sign in again."),
	onBooked: (appointment) => {
		recent.remember(owner(), appointment);
		bridge?.booked(appointment);
		showConfirmation(appointment);
	},
	onDoctorDay: (doctorId, date) => {
		// The address says which doctor-day is open, so a reload or a shared link comes back to it.
		if (embedded) return;
		const url = new URL(location.href);
		url.searchParams.set("doctor", doctorId);
		url.searchParams.set("date", date);
		history.replaceState(null, "", url);
	},
});

/** @param {"book" | "confirmation" | "appointments"} name */
function show(name) {
	if (views[name].hidden) clearWarnings();
	for (const [key, view] of Object.entries(views)) view.hidden = key !== name;
	for (const link of document.querySelectorAll(".nav-link")) {
		const current = link.getAttribute("href") === (name === "appointments" ? "#appointments" : "#book");
		if (current) link.setAttribute("aria-current", "page");
		else link.removeAttribute("aria-current");
	}
}

function route() {
	if (location.hash === "#appointments") {
		show("appointments");
		flow.pause();
		void renderAppointments();
		focusOn(byId("appointments-title"));
	} else {
		show("book");
		flow.resume();
	}
}

async function renderAppointments() {
	const container = byId("appointments-body");
	const session = store.get();
	if (session === null) {
		const { renderAuthPanel } = await import("./auth-panel.js");
		renderAuthPanel({
			container,
			allowRegister: true,
			intro: "Sign in to see your appointments.",
			onSession: (s) => {
				signedIn(s);
				void renderAppointments();
			},
		});
		return;
	}
	const who = owner();
	await showMyAppointments({
		container,
		token: session.token,
		recent: { remember: (a) => recent.remember(who, a), overlay: (list) => recent.overlay(who, list) },
		doctorName: (id) => doctorsById.get(id)?.name ?? id,
		onCancelled: (appointment) => bridge?.cancelled(appointment),
	});
}

/** @param {{token: string, user: any}} session */
function signedIn(session) {
	store.set(session);
	renderSession();
	toast(`Signed in as ${session.user.name}.`, { tone: "success" });
	flow.sessionChanged();
}

/** The signed-in user, whose recent results "My appointments" shows. */
const owner = () => String(store.get()?.user.id ?? "");

/** @returns {import("./recent-appointments.js").KeyValueStore | null} */
function sessionStorageOrNull() {
	try {
		return window.sessionStorage;
	} catch {
		return null; // A sandboxed or partitioned frame may refuse storage.
	}
}

/** @param {string} [message] */
function signOut(message) {
	recent.forget(owner());
	store.set(null);
	renderSession();
	flow.sessionChanged();
	if (location.hash === "#appointments") void renderAppointments();
	toast(message ?? "Signed out.", { tone: message ? "warning" : "info" });
}

/** @type {{close: () => void} | null} */
let bell = null;

// A notification about an appointment (the doctor confirmed or declined it, …) while "My appointments" is
// open: the appointment is read from its own day (the list may lag) and the list shown again.
document.addEventListener("docslot:notification", (event) => {
	const id = /** @type {CustomEvent} */ (event).detail?.appointment_id;
	const session = store.get();
	if (!id || session === null || location.hash !== "#appointments") return;
	const who = owner();
	void request("GET", `/api/appointments/${encodeURIComponent(id)}`, { token: session.token })
		.then((body) => {
			recent.remember(who, body.appointment);
			if (location.hash === "#appointments" && owner() === who) return renderAppointments();
		})
		.catch(() => undefined); // the next visit of the page lists it anyway
});

// The doctor checked the patient in, or marked the visit done or missed: the channel brings the appointment
// itself, laid over the list (which may lag) and shown at once.
document.addEventListener("docslot:appointment", (event) => {
	const appointment = /** @type {CustomEvent} */ (event).detail;
	if (store.get() === null || typeof appointment?.id !== "string") return;
	const who = owner();
	recent.remember(who, appointment);
	if (location.hash === "#appointments") void renderAppointments();
});

function renderSession() {
	const session = store.get();
	bell?.close();
	bell = null;
	// The widget's frame has no header: a clinic's page gets no bell (nor its socket).
	if (session !== null && !embedded) {
		bell = mountNotificationBell({
			slot: byId("notification-slot"),
			token: session.token,
			onUnauthorized: () => signOut("Your session has expired. Please sign in again."),
		});
	}
	const who = byId("session-user");
	who.hidden = session === null;
	who.textContent = session ? session.user.name : "";
	byId("sign-out").hidden = session === null;
}

/** @param {import("./my-appointments.js").Appointment} appointment */
function showConfirmation(appointment) {
	const doctor = doctorsById.get(appointment.doctor_id);
	const timeZone = flow.timeZone();
	const rows = [
		[
			"Doctor",
			doctor ? `${doctor.name}${doctor.specialty ? `, ${doctor.specialty}` : ""}` : appointment.doctor_id,
		],
		["Date", formatDate(appointment.date)],
		["Time", `${appointment.time}–${formatTime(appointment.end, timeZone)} (${zoneLabel(timeZone)})`],
		["Consultation", modeLabel(appointment.consultation_mode)],
		["Reason", appointment.reason ?? "—"],
		["Reference", appointment.id],
	];
	const pending = appointment.status === "pending";
	const title = h("h1", {
		id: "confirmation-title",
		class: "page-title",
		"data-testid": "confirmation-title",
		text: pending ? "Your booking awaits the doctor's approval" : "Your appointment is booked",
	});
	replace(
		views.confirmation,
		h(
			"div",
			{ class: "card confirmation", dataset: { appointmentId: appointment.id } },
			h("div", { class: "check", "aria-hidden": "true", text: "✓" }),
			title,
			h("p", {
				class: "muted",
				text: pending
					? "Your place is kept while the doctor confirms it; we will tell you as soon as they do. You can cancel it in your appointments."
					: "We have saved it to your appointments. You can cancel it there until it starts.",
			}),
			h(
				"dl",
				{ class: "facts" },
				rows.map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })]),
			),
			h(
				"div",
				{ class: "actions" },
				roomInNewTabIfFramed(roomLink(appointment, "button subtle")),
				h("a", {
					class: "button primary",
					href: "#appointments",
					"data-testid": "view-my-appointments",
					text: "My appointments",
				}),
				addToCalendarButton(appointment.id, () => store.get()?.token ?? null),
				h("button", {
					type: "button",
					class: "button subtle",
					"data-testid": "book-another",
					text: "Book another",
					onClick: () => {
						show("book");
						flow.resume();
						history.replaceState(null, "", `${location.pathname}${location.search}#book`);
						focusOn(byId("day-heading"));
					},
				}),
			),
		),
	);
	flow.pause();
	show("confirmation");
	// A hash of its own, so that "Book" in the header (#book) is a change the router hears.
	history.replaceState(null, "", `${location.pathname}${location.search}#booked`);
	focusOn(title);
}

async function start() {
	if (embedded) document.body.classList.add("embed");
	renderSession();
	byId("sign-out").addEventListener("click", () => signOut());
	window.addEventListener("hashchange", route);
	await loadDoctors();
}

async function loadDoctors() {
	/** @type {import("./doctor-picker.js").Doctor[]} */
	let doctors = [];
	try {
		const list = clinic === null ? "/api/doctors" : `/api/clinics/${encodeURIComponent(clinic)}/doctors`;
		doctors = await requestAllPages(list, "doctors");
	} catch (error) {
		flow.doctorsFailed(String(/** @type {Error} */ (error).message), () => void loadDoctors());
		return;
	}
	for (const doctor of doctors) doctorsById.set(doctor.id, doctor);
	const shown = onlyDoctors.length > 0 ? doctors.filter((d) => onlyDoctors.includes(d.id)) : doctors;
	flow.setDoctors(shown, { single: onlyDoctors.length === 1 });
	const wanted = params.get("doctor");
	const initial = shown.find((d) => d.id === wanted) ?? (shown.length === 1 ? shown[0] : undefined);
	route();
	if (initial) await flow.chooseDoctor(initial, params.get("date"));
	else if (wanted)
		toast("That doctor is not available for online booking. Please choose another.", { tone: "warning" });
}

void start();

/**
 * In the widget's frame the room opens in its own tab: a clinic's frame would not grant the camera.
 * @param {HTMLAnchorElement | null} link
 */
function roomInNewTabIfFramed(link) {
	if (link !== null && window.top !== window.self) {
		link.target = "_blank";
		link.rel = "noopener";
	}
	return link;
}
