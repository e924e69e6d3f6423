// @ts-check
// Two calendar weeks of a doctor's days, each saying how many places are free, for picking a date.
import { doctorPath, request, withQuery } from "./api.js";
import { h, replace } from "./dom.js";
import { addDays, formatDate } from "./time.js";

const DAYS_SHOWN = 14;
const WEEKS_AHEAD = 8;
const HEADINGS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** @typedef {{date: string, closed?: "clinic" | null, total_slots: number, available_count: number, booked_count: number}} DayCount */

/**
 * @param {{container: HTMLElement, onPick: (date: string) => void}} options
 */
export function createDateStrip({ container, onPick }) {
	let doctorId = "";
	let today = "";
	let first = "";
	let selected = "";
	/** @type {Map<string, DayCount>} */
	let counts = new Map();
	/** @type {DayCount | null} the open day's count from its live grid, fresher than any read of the range */
	let live = null;
	let loadId = 0;

	const mondayOf = (/** @type {string} */ date) => addDays(date, -mondayIndex(date));
	const last = () => addDays(first, DAYS_SHOWN - 1);

	async function load() {
		const id = ++loadId;
		render(true);
		const from = first < today ? today : first;
		/** @type {DayCount[]} */
		let days = [];
		try {
			const body = await request(
				"GET",
				withQuery(`${doctorPath(doctorId)}/availability`, { from, to: last() }),
			);
			days = body.days;
		} catch {
			// Days without a count show as unknown; they can still be opened.
		}
		if (id !== loadId) return;
		counts = new Map([...days, ...(live ? [live] : [])].map((d) => [d.date, d]));
		render(false);
	}

	function render(loading = false) {
		const maxFirst = mondayOf(addDays(today, WEEKS_AHEAD * 7));
		const nav = h(
			"div",
			{ class: "date-nav" },
			h("button", {
				type: "button",
				class: "icon-button",
				"aria-label": "Previous two weeks",
				"data-testid": "dates-previous",
				disabled: first <= today,
				text: "‹",
				onClick: () => shift(-DAYS_SHOWN),
			}),
			h("span", { class: "date-range", "aria-live": "polite", text: rangeLabel(first, last()) }),
			h("button", {
				type: "button",
				class: "icon-button",
				"aria-label": "Next two weeks",
				"data-testid": "dates-next",
				disabled: first >= maxFirst,
				text: "›",
				onClick: () => shift(DAYS_SHOWN),
			}),
		);
		const cells = [];
		for (let i = 0; i < DAYS_SHOWN; i++) cells.push(dayButton(addDays(first, i), loading));
		replace(
			container,
			nav,
			h(
				"div",
				{ class: "date-grid", role: "group", "aria-label": "Days", "aria-busy": String(loading) },
				HEADINGS.map((d) => h("span", { class: "weekday", "aria-hidden": "true", text: d })),
				cells,
			),
		);
	}

	/**
	 * @param {string} date
	 * @param {boolean} loading
	 */
	function dayButton(date, loading) {
		const past = date < today;
		const count = counts.get(date);
		const free = count?.available_count ?? 0;
		// "unknown": the counts could not be read; the day can still be opened and its grid says the rest.
		const state = past
			? "past"
			: loading
				? "loading"
				: !count
					? "unknown"
					: count.closed === "clinic"
						? "clinic"
						: count.total_slots === 0
							? "closed"
							: free > 0
								? "free"
								: "full";
		const note = {
			past: "",
			loading: "",
			unknown: "",
			clinic: "Closed",
			closed: "—",
			free: String(free),
			full: "Full",
		}[state];
		const spoken = {
			past: "past",
			loading: "loading",
			unknown: "free places unknown",
			clinic: "the clinic is closed",
			closed: "no slots",
			free: `${free} free`,
			full: "fully booked",
		}[state];
		return h(
			"button",
			{
				type: "button",
				class: `date-button is-${state}`,
				"data-testid": "date-button",
				dataset: { date, state, available: String(free) },
				"aria-pressed": String(date === selected),
				"aria-label": `${formatDate(date)}, ${spoken}`,
				disabled: past,
				onClick: () => pick(date),
			},
			h("span", { class: "date-day", text: String(Number(date.slice(8))) }),
			h(
				"span",
				{ class: "date-note" },
				note,
				state === "free" ? h("span", { class: "note-word", text: " free" }) : null,
			),
		);
	}

	/** @param {string} date */
	function mark(date) {
		selected = date;
		for (const b of container.querySelectorAll(".date-button")) {
			b.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (b).dataset.date === date));
		}
	}

	/** @param {string} date */
	function pick(date) {
		mark(date);
		onPick(date);
	}

	/** @param {number} days */
	function shift(days) {
		first = addDays(first, days);
		void load();
	}

	return {
		/**
		 * @param {string} id the doctor
		 * @param {string} doctorToday today in the doctor's zone
		 * @param {string} date the chosen date
		 */
		show(id, doctorToday, date) {
			doctorId = id;
			today = doctorToday;
			selected = date;
			counts = new Map();
			live = null;
			first = mondayOf(date.localeCompare(doctorToday) > 0 ? date : doctorToday);
			container.hidden = false;
			void load();
		},
		/**
		 * Keeps the chosen day's count in step with the live grid.
		 * @param {DayCount} day
		 */
		update(day) {
			live = day;
			if (!counts.has(day.date) && (day.date < first || day.date > last())) return;
			counts.set(day.date, day);
			const old = container.querySelector(`.date-button[data-date="${day.date}"]`);
			old?.replaceWith(dayButton(day.date, false));
			if (old && document.activeElement === old) {
				/** @type {HTMLElement | null} */ (
					container.querySelector(`.date-button[data-date="${day.date}"]`)
				)?.focus();
			}
		},
		/**
		 * Marks a date chosen elsewhere (an alternative slot on another day), turning the page if needed.
		 * @param {string} date
		 */
		select(date) {
			if (date >= first && date <= last()) return mark(date);
			selected = date;
			first = mondayOf(date);
			void load();
		},
	};
}

/** @param {string} date 0 for Monday … 6 for Sunday */
const mondayIndex = (date) => (new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7;

/**
 * @param {string} from
 * @param {string} to
 */
function rangeLabel(from, to) {
	const short = { day: "numeric", month: "short" };
	return `${formatDate(from, /** @type {any} */ (short))} – ${formatDate(to, /** @type {any} */ (short))}`;
}
