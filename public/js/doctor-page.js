// @ts-check
// The doctor page: sign in, then the day view, the coming appointments, the weekly schedule and
// unavailability, all live.
import { watchDoctor } from "../live.js";
import { ApiError, doctorPath, request, sessionStore } from "./api.js";
import { calendarFeedPanel } from "./calendar-links.js";
import { createDayView } from "./day-view.js";
import { createAppointmentsBoard, shortId } from "./doctor-appointments.js";
import { byId, focusOn, h, replace, toast } from "./dom.js";
import { mountNotificationBell } from "./notification-bell.js";
import { createScheduleEditor } from "./schedule-editor.js";
import { showDashboard, showSignIn } from "./staff-shell.js";
import { formatDate, modeLabel, todayIn } from "./time.js";
import { createUnavailabilityEditor } from "./unavailability-editor.js";

const store = sessionStore("docslot.doctor-session");
/** @type {{close: () => void} | null} */
let feed = null;
/** @type {{close: () => void} | null} */
let bell = null;

function signedOut(message = "") {
	feed?.close();
	feed = null;
	bell?.close();
	bell = null;
	store.set(null);
	showSignIn({
		intro: message || "Use the email and password your clinic gave you.",
		accept: (user) =>
			user.role === "doctor" && user.doctor_id
				? null
				: "This account is not a doctor's. Patients book on the booking page.",
		onSession: (session) => {
			store.set(session);
			void open(session);
		},
	});
}

/** @param {{token: string, user: {name: string, doctor_id: string}}} session */
async function open(session) {
	const doctorId = session.user.doctor_id;
	const token = () => store.get()?.token ?? "";
	const expired = () => signedOut("Your session has expired. Please sign in again.");
	let doctor;
	try {
		doctor = (await request("GET", doctorPath(doctorId), { token: session.token })).doctor;
	} catch (error) {
		if (error instanceof ApiError && error.status === 401) return expired();
		return signedOut(`Could not load your profile: ${String(/** @type {Error} */ (error).message)}`);
	}
	let timeZone = doctor.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
	const today = () => todayIn(timeZone);

	showDashboard(session.user.name);
	byId("dashboard-title").textContent = doctor.name;
	const meta = () =>
		`${doctor.specialty ?? "General"} · ${timeZone}${doctor.is_available ? "" : " · not taking bookings"}`;
	byId("doctor-meta").textContent = meta();

	const board = createAppointmentsBoard({
		container: byId("appointments"),
		rangeLabel: byId("appointments-range"),
		token,
		today,
		onUnauthorized: expired,
	});
	const dayView = createDayView({
		container: byId("day-view"),
		doctorId: () => doctorId,
		token,
		today,
		onUnauthorized: expired,
	});
	replace(byId("calendar-feed-slot"), calendarFeedPanel(token));
	const schedule = createScheduleEditor({
		form: byId("schedule-form"),
		doctorId,
		token,
		onUnauthorized: expired,
		onSaved: (saved, affected) => {
			timeZone = saved.timezone;
			byId("doctor-meta").textContent = meta();
			// A schedule answer lists every booking now outside it, so an empty list clears the warning.
			showAffected(affected, "Your new schedule leaves these bookings outside your hours.", {
				clearWhenEmpty: true,
			});
			void board.reload();
		},
	});
	const blocks = createUnavailabilityEditor({
		form: byId("unavailability-form"),
		list: byId("unavailability-list"),
		doctorId,
		token,
		today,
		onUnauthorized: expired,
		onChanged: (affected) => showAffected(affected, "These bookings fall inside the time you blocked."),
	});

	// With the token: an unapproved doctor's schedule is visible only to themself and admins.
	const fetchSchedule = async () =>
		(await request("GET", `${doctorPath(doctorId)}/schedule`, { token: token() })).schedule;
	/** @param {any} stored */
	const showSchedule = (stored) => {
		if (stored) timeZone = stored.timezone;
		schedule.load(stored);
	};
	/** A weekly change from the feed: the echo of our own save changes nothing, and unsaved edits are kept. */
	const scheduleChanged = async () => {
		const stored = await fetchSchedule();
		if (schedule.isShowing(stored)) return;
		if (schedule.isDirty()) return remoteChangeNotice(() => showSchedule(stored));
		showSchedule(stored);
	};
	await Promise.all([fetchSchedule().then(showSchedule), board.reload(), blocks.reload()]);

	bell?.close();
	bell = mountNotificationBell({
		slot: byId("notification-slot"),
		token: session.token,
		onUnauthorized: expired,
	});
	const status = byId("live-status");
	status.hidden = false;
	feed?.close();
	feed = watchDoctor({
		base: location.origin,
		doctorId,
		token: session.token,
		onStatus: (state) => {
			status.dataset.state = state;
			status.textContent = { connecting: "Connecting…", open: "Live", closed: "Reconnecting…" }[state];
		},
		onMessage: (message) => {
			if (message.type === "hello") return void Promise.all([board.reload(), dayView.reload()]);
			if (message.type === "appointment") {
				dayView.apply(message);
				return board.apply(message);
			}
			if (message.type !== "schedule_changed") return;
			// A change from another tab (or the echo of this one's): show the stored state.
			void blocks.reload();
			void board.reload();
			const title = "A schedule change leaves these bookings outside your hours.";
			showAffected(message.affected_appointments ?? [], title, { fromFeed: true });
			// Unavailability changes leave the weekly form alone.
			if (message.change === "schedule") void scheduleChanged();
		},
	});
}

/**
 * The warning that a change left bookings outside the schedule. From the feed it neither takes focus nor
 * repeats a list already shown (the echo of this tab's own change).
 * @param {any[]} affected
 * @param {string} title
 * @param {{clearWhenEmpty?: boolean, fromFeed?: boolean}} [options]
 */
function showAffected(affected, title, options = {}) {
	const box = byId("affected-warning");
	if (affected.length === 0) {
		if (options.clearWhenEmpty) box.hidden = true;
		return;
	}
	const ids = affected
		.map((a) => a.id)
		.sort()
		.join(" ");
	if (options.fromFeed && !box.hidden && box.dataset.ids === ids) return;
	box.dataset.ids = ids;
	const sorted = [...affected].sort((a, b) => a.start.localeCompare(b.start));
	replace(
		box,
		h("h2", { text: `${sorted.length} ${sorted.length === 1 ? "booking is" : "bookings are"} affected` }),
		h("p", {
			text: `${title} They are kept, not cancelled: contact these patients, or change the schedule back.`,
		}),
		h(
			"ul",
			{ "data-testid": "affected-list" },
			sorted.map((a) =>
				h("li", {
					"data-testid": "affected-appointment",
					dataset: { appointmentId: a.id },
					text: `${formatDate(a.date)} at ${a.time} · patient ${shortId(a.patient_id)} · ${modeLabel(a.consultation_mode)}${a.status === "cancelled" ? " (cancelled)" : ""}`,
				}),
			),
		),
		h("button", {
			type: "button",
			class: "button subtle",
			"data-testid": "dismiss-affected",
			text: "Dismiss",
			onClick: () => {
				box.hidden = true;
			},
		}),
	);
	box.hidden = false;
	if (!options.fromFeed) focusOn(box);
}

/** @param {() => void} load */
function remoteChangeNotice(load) {
	const box = byId("remote-change");
	replace(
		box,
		h("span", { text: "Your schedule was changed in another tab. " }),
		h("button", {
			type: "button",
			class: "link",
			"data-testid": "load-remote-change",
			text: "Load it (discards your unsaved edits)",
			onClick: () => {
				box.hidden = true;
				load();
			},
		}),
	);
	box.hidden = false;
	toast("Your schedule was changed in another tab.", { tone: "warning" });
}

byId("sign-out").addEventListener("click", () => signedOut("Signed out."));
const saved = store.get();
if (saved?.user?.doctor_id) void open(saved);
else signedOut();
