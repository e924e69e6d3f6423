// @ts-check
// The admin page: sign in (an admin account or the ADMIN_TOKEN), then clinics (create, edit closed weekdays
// and holidays), doctors (approval, availability) and any doctor's day, live over that doctor's feed.
import { watchDoctor } from "../live.js";
import { ApiError, doctorPath, request, requestAllPages, sessionStore } from "./api.js";
import { createDayView } from "./day-view.js";
import { byId, focusOn, h, replace, toast } from "./dom.js";
import { busy, clearIssues, field, formErrors, showIssues } from "./forms.js";
import { showDashboard, showSignIn } from "./staff-shell.js";
import { todayIn } from "./time.js";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const store = sessionStore("docslot.admin-session");
/** @type {{close: () => void} | null} */
let feed = null;

/** @typedef {{id: string, name: string, timezone: string, default_capacity: number, closed_weekdays: string[], holidays: string[]}} Clinic */

function signedOut(message = "") {
	feed?.close();
	feed = null;
	store.set(null);
	showSignIn({
		intro: message || "Use an admin account, or the server's admin token below.",
		accept: (user) => (user.role === "admin" ? null : "This account is not an admin's."),
		onSession: (session) => {
			store.set(session);
			void open(session);
		},
	});
	const form = byId("admin-token-form");
	const input = h("input", {
		type: "password",
		name: "token",
		autocomplete: "off",
		"data-testid": "admin-token",
	});
	const submit = /** @type {HTMLButtonElement} */ (
		h("button", {
			type: "submit",
			class: "button subtle",
			"data-testid": "admin-token-submit",
			text: "Use admin token",
		})
	);
	replace(form, h("label", { text: "Admin token" }, input), submit);
	form.onsubmit = (event) => {
		event.preventDefault();
		const token = /** @type {HTMLInputElement} */ (input).value.trim();
		void busy(submit, "Checking…", async () => {
			try {
				const { user } = await request("GET", "/api/me", { token });
				if (user.role !== "admin") return toast("That token is not an admin's.", { tone: "error" });
				store.set({ token, user });
				await open({ token, user });
			} catch (error) {
				toast(error instanceof ApiError ? error.message : String(error), { tone: "error" });
			}
		});
	};
}

/** @param {{token: string, user: {name: string}}} session */
async function open(session) {
	const token = () => store.get()?.token ?? "";
	const expired = () => signedOut("Your session has expired. Please sign in again.");
	showDashboard(session.user.name);

	/** @type {Clinic[]} */
	let clinics = [];
	/** @type {Clinic | null} the clinic the form edits, or null to create one */
	let editing = null;
	/** @type {{id: string, timezone?: string} | null} */
	let shownDoctor = null;
	/** @type {ReturnType<typeof createDayView> | null} */
	let dayView = null;

	/** @param {unknown} error */
	const failed = (error) => {
		if (error instanceof ApiError && error.status === 401) return expired();
		toast(error instanceof ApiError ? error.message : String(error), { tone: "error" });
	};

	// ---- clinics --------------------------------------------------------------------------------------
	const form = byId("clinic-form");
	const name = field("Name", { name: "name", required: true, "data-testid": "clinic-name" });
	const zone = field("Time zone", {
		name: "timezone",
		value: "UTC",
		required: true,
		"data-testid": "clinic-timezone",
	});
	const capacity = field("Places per slot", {
		name: "default_capacity",
		type: "number",
		min: 1,
		value: "1",
		"data-testid": "clinic-capacity",
	});
	const closed = h(
		"fieldset",
		{ class: "field", dataset: { field: "closed_weekdays" } },
		h("legend", { text: "Closed on" }),
		WEEKDAYS.map((day) =>
			h(
				"label",
				null,
				h("input", { type: "checkbox", value: day, "data-testid": `closed-${day}` }),
				day.slice(0, 3),
			),
		),
	);
	const holidays = field("Holidays (dates, comma separated)", {
		name: "holidays",
		placeholder: "2027-01-01, 2027-12-25",
		"data-testid": "clinic-holidays",
	});
	const submit = /** @type {HTMLButtonElement} */ (
		h("button", {
			type: "submit",
			class: "button primary",
			"data-testid": "clinic-save",
			text: "Create clinic",
		})
	);
	const cancelEdit = h("button", {
		type: "button",
		class: "link",
		hidden: true,
		text: "New clinic instead",
		onClick: () => fill(null),
	});
	replace(
		form,
		formErrors(),
		name,
		zone,
		capacity,
		closed,
		holidays,
		h("div", { class: "actions" }, submit, cancelEdit),
	);
	const value = (/** @type {HTMLElement} */ wrap) =>
		/** @type {HTMLInputElement} */ (wrap.querySelector("input"));

	/** @param {Clinic | null} clinic */
	function fill(clinic) {
		editing = clinic;
		clearIssues(form);
		value(name).value = clinic?.name ?? "";
		value(zone).value = clinic?.timezone ?? "UTC";
		value(capacity).value = String(clinic?.default_capacity ?? 1);
		for (const box of closed.querySelectorAll("input"))
			box.checked = clinic?.closed_weekdays.includes(box.value) ?? false;
		value(holidays).value = clinic?.holidays.join(", ") ?? "";
		submit.textContent = clinic ? `Save ${clinic.name}` : "Create clinic";
		cancelEdit.hidden = clinic === null;
	}

	form.onsubmit = (event) => {
		event.preventDefault();
		const body = {
			name: value(name).value.trim(),
			timezone: value(zone).value.trim(),
			default_capacity: Number(value(capacity).value),
			closed_weekdays: [...closed.querySelectorAll("input:checked")].map(
				(b) => /** @type {HTMLInputElement} */ (b).value,
			),
			holidays: value(holidays)
				.value.split(/[\s,]+/)
				.filter(Boolean),
		};
		void busy(submit, "Saving…", async () => {
			try {
				const saved = editing
					? await request("PATCH", `/api/clinics/${encodeURIComponent(editing.id)}`, { token: token(), body })
					: await request("POST", "/api/clinics", { token: token(), body });
				toast(`${saved.clinic.name} saved.`, { tone: "success" });
				fill(null);
				await loadClinics();
			} catch (error) {
				if (error instanceof ApiError && error.status === 400)
					return showIssues(form, error.issues, error.message);
				failed(error);
			}
		});
	};

	async function loadClinics() {
		clinics = await requestAllPages("/api/clinics", "clinics", { token: token() });
		replace(
			byId("clinic-list"),
			clinics.map((c) =>
				h(
					"li",
					{ class: "admin-item", "data-testid": "clinic-item", dataset: { clinicId: c.id } },
					h(
						"div",
						{ class: "admin-item-what" },
						h("strong", { text: c.name }),
						h("div", {
							class: "muted small",
							text: `${c.timezone} · ${c.default_capacity} per slot${c.closed_weekdays.length ? ` · closed ${c.closed_weekdays.join(", ")}` : ""}${c.holidays.length ? ` · ${c.holidays.length} holiday(s)` : ""}`,
						}),
					),
					h("button", {
						type: "button",
						class: "button subtle compact",
						"data-testid": "clinic-edit",
						text: "Edit",
						onClick: () => {
							fill(c);
							focusOn(value(name));
						},
					}),
				),
			),
		);
	}

	// ---- doctors ----------------------------------------------------------------------------------------
	async function loadDoctors() {
		const doctors = await requestAllPages("/api/doctors", "doctors", { token: token() });
		const clinicName = (/** @type {string | null} */ id) =>
			clinics.find((c) => c.id === id)?.name ?? "no clinic";
		replace(
			byId("doctor-list"),
			doctors.map((d) => {
				/** @param {"is_approved" | "is_available"} flag @param {string} label */
				const toggle = (flag, label) => {
					const box = /** @type {HTMLInputElement} */ (
						h("input", {
							type: "checkbox",
							checked: d[flag],
							"data-testid": `doctor-${flag.replace("is_", "")}`,
						})
					);
					box.addEventListener("change", async () => {
						box.disabled = true;
						try {
							const { doctor } = await request("PATCH", doctorPath(d.id), {
								token: token(),
								body: { [flag]: box.checked },
							});
							d[flag] = doctor[flag];
							toast(`${d.name}: ${label.toLowerCase()} ${doctor[flag] ? "on" : "off"}.`, { tone: "success" });
						} catch (error) {
							box.checked = d[flag];
							failed(error);
						} finally {
							box.disabled = false;
						}
					});
					return h("label", null, box, label);
				};
				return h(
					"li",
					{ class: "admin-item", "data-testid": "admin-doctor", dataset: { doctorId: d.id } },
					h(
						"div",
						{ class: "admin-item-what" },
						h("strong", { text: d.name }),
						h("div", {
							class: "muted small",
							text: `${d.specialty ?? "General"} · ${clinicName(d.clinic_id)}`,
						}),
					),
					h(
						"div",
						{ class: "row-actions" },
						toggle("is_approved", "Approved"),
						toggle("is_available", "Taking bookings"),
					),
					h("button", {
						type: "button",
						class: "button subtle compact",
						"data-testid": "doctor-day-open",
						text: "Their day",
						onClick: () => showDay(d),
					}),
				);
			}),
		);
	}

	// ---- a doctor's day ---------------------------------------------------------------------------------
	/** @param {{id: string, name: string, timezone?: string}} doctor */
	function showDay(doctor) {
		shownDoctor = doctor;
		byId("day-card").hidden = false;
		byId("admin-day-heading").textContent = `${doctor.name}'s day`;
		const today = () => todayIn(shownDoctor?.timezone ?? "UTC");
		dayView = createDayView({
			container: byId("day-view"),
			doctorId: () => doctor.id,
			token,
			today,
			onUnauthorized: expired,
		});
		feed?.close();
		const status = byId("live-status");
		status.hidden = false;
		feed = watchDoctor({
			base: location.origin,
			doctorId: doctor.id,
			token: token(),
			onUnauthorized: expired,
			onStatus: (state) => {
				status.dataset.state = state;
				status.textContent = { connecting: "Connecting…", open: "Live", closed: "Reconnecting…" }[state];
			},
			onMessage: (message) => (message.type === "hello" ? void dayView?.reload() : dayView?.apply(message)),
		});
		focusOn(byId("admin-day-heading"));
	}

	try {
		await loadClinics();
		await loadDoctors();
	} catch (error) {
		failed(error);
	}
}

byId("sign-out").addEventListener("click", () => signedOut("Signed out."));
const saved = store.get();
if (saved?.user?.role === "admin") void open(saved);
else signedOut();
