// @ts-check
// The doctor list of the booking page: filtered by name and specialty, one button per doctor.
import { h, replace } from "./dom.js";

/**
 * @typedef {{id: string, name: string, specialty: string | null, is_available: boolean, timezone?: string}} Doctor
 */

/**
 * @param {{list: HTMLElement, search: HTMLInputElement, specialty: HTMLSelectElement,
 *   onPick: (doctor: Doctor) => void}} options
 */
export function createDoctorPicker({ list, search, specialty, onPick }) {
	/** @type {Doctor[]} */
	let doctors = [];
	/** @type {string | null} */
	let current = null;
	/** Set while a "Try again" runs: its button is gone, so focus goes on to what replaces it. */
	let retrying = false;
	/** @param {HTMLElement | null} el */
	const refocus = (el) => {
		if (retrying && (document.activeElement === document.body || document.activeElement === null))
			el?.focus();
		retrying = false;
	};

	const render = () => {
		const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
		const wanted = specialty.value;
		const shown = doctors.filter(
			(d) =>
				(wanted === "" || d.specialty === wanted) &&
				words.every((w) => `${d.name} ${d.specialty ?? ""}`.toLowerCase().includes(w)),
		);
		list.setAttribute("aria-busy", "false");
		if (shown.length === 0) {
			replace(list, h("li", { class: "empty", text: "No doctor matches. Try another name or specialty." }));
			return;
		}
		replace(list, shown.map(item));
	};

	/** @param {Doctor} doctor */
	const item = (doctor) => {
		const selected = doctor.id === current;
		const button = h(
			"button",
			{
				type: "button",
				class: "doctor-option",
				"aria-pressed": String(selected),
				"data-testid": "doctor-option",
				dataset: { doctorId: doctor.id },
				onClick: () => onPick(doctor),
			},
			h("span", { class: "avatar", "aria-hidden": "true", text: initials(doctor.name) }),
			h(
				"span",
				{ class: "doctor-text" },
				h("span", { class: "doctor-name", text: doctor.name }),
				h("span", { class: "doctor-meta", text: doctor.specialty ?? "General" }),
				doctor.is_available ? null : h("span", { class: "badge", text: "Not taking bookings" }),
			),
		);
		return h("li", null, button);
	};

	search.addEventListener("input", render);
	specialty.addEventListener("change", render);

	return {
		/** @param {Doctor[]} all */
		setDoctors(all) {
			doctors = [...all].sort((a, b) => a.name.localeCompare(b.name));
			const specialties = [...new Set(doctors.map((d) => d.specialty).filter(Boolean))].sort();
			replace(
				specialty,
				h("option", { value: "", text: "All specialties" }),
				specialties.map((s) => h("option", { value: s, text: s })),
			);
			render();
			refocus(search);
		},
		/** @param {string | null} id */
		setCurrent(id) {
			current = id;
			for (const button of list.querySelectorAll("button.doctor-option")) {
				button.setAttribute(
					"aria-pressed",
					String(/** @type {HTMLElement} */ (button).dataset.doctorId === id),
				);
			}
		},
		/**
		 * @param {string} message
		 * @param {() => void} [retry] offered as a "Try again" button
		 */
		showError(message, retry) {
			list.setAttribute("aria-busy", "false");
			const again = retry
				? h("button", {
						type: "button",
						class: "button subtle compact",
						"data-testid": "doctors-retry",
						text: "Try again",
						onClick: () => {
							retrying = true;
							list.setAttribute("aria-busy", "true");
							replace(list, h("li", { class: "muted", text: "Loading doctors…" }));
							retry();
						},
					})
				: null;
			replace(
				list,
				h("li", { class: "empty" }, h("p", { class: "error-text", role: "alert", text: message }), again),
			);
			refocus(again);
		},
	};
}

/** @param {string} name */
function initials(name) {
	const parts = name
		.replace(/^dr\.?\s+/i, "")
		.split(/\s+/)
		.filter(Boolean);
	return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? (parts.at(-1)?.[0] ?? "") : "")).toUpperCase();
}
