// @ts-check
// "Add to calendar" (one appointment's .ics, fetched with the token and saved as a file) and the secret
// calendar feed a calendar app subscribes to.
import { ApiError, request } from "./api.js";
import { h, replace, toast } from "./dom.js";

/**
 * Fetches the appointment's .ics with the bearer token (a plain link could not send it) and saves it.
 * @param {string} appointmentId
 * @param {string} token
 */
async function downloadIcs(appointmentId, token) {
	const response = await fetch(`/api/appointments/${encodeURIComponent(appointmentId)}/ics`, {
		headers: { authorization: `Bearer ${token}` },
	}).catch(() => null);
	if (response === null || !response.ok) {
		toast("Could not get the calendar file. Try again.", { tone: "error" });
		return;
	}
	const url = URL.createObjectURL(await response.blob());
	const link = h("a", { href: url, download: "appointment.ics", hidden: true });
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * @param {string} appointmentId
 * @param {() => string | null} token
 * @param {string} [className]
 */
export function addToCalendarButton(appointmentId, token, className = "button subtle") {
	return h("button", {
		type: "button",
		class: className,
		"data-testid": "add-to-calendar",
		text: "Add to calendar",
		onClick: () => {
			const current = token();
			if (current !== null) void downloadIcs(appointmentId, current);
		},
	});
}

/**
 * A panel that makes (or replaces) the account's feed URL, shows it once, and can revoke it.
 * @param {() => string | null} token
 */
export function calendarFeedPanel(token) {
	const body = h("div", { class: "calendar-feed-body" });
	const panel = h(
		"div",
		{ class: "calendar-feed", "data-testid": "calendar-feed" },
		h("h2", { text: "Your appointments in your calendar app" }),
		h("p", {
			class: "muted small",
			text: "A private address your calendar app (Google, Apple, Outlook) can subscribe to. Anyone with it can see your appointments' times, so keep it to yourself; making a new one or stopping it turns the old one off at once.",
		}),
		body,
	);
	const call = async (/** @type {"POST" | "DELETE"} */ method) => {
		try {
			return await request(method, "/api/me/calendar-feed", { token: token() });
		} catch (error) {
			toast(error instanceof ApiError ? error.message : String(error), { tone: "error" });
			return null;
		}
	};
	const idle = () =>
		replace(
			body,
			h("button", {
				type: "button",
				class: "button subtle compact",
				"data-testid": "make-calendar-feed",
				text: "Get a calendar address",
				onClick: async () => {
					const feed = await call("POST");
					if (feed !== null) shown(feed);
				},
			}),
			h("button", {
				type: "button",
				class: "button subtle compact",
				"data-testid": "stop-calendar-feed",
				text: "Stop my calendar address",
				onClick: async () => {
					const result = await call("DELETE");
					if (result !== null)
						toast(result.revoked ? "Calendar address stopped." : "You had no calendar address.");
				},
			}),
		);
	const shown = (/** @type {{url: string, webcal_url: string}} */ feed) =>
		replace(
			body,
			h("input", {
				type: "text",
				readonly: true,
				value: feed.url,
				"aria-label": "Calendar address",
				"data-testid": "calendar-feed-url",
			}),
			h("a", { class: "button subtle compact", href: feed.webcal_url, text: "Open in calendar app" }),
			h("button", {
				type: "button",
				class: "button subtle compact",
				text: "Done",
				onClick: idle,
			}),
		);
	idle();
	return panel;
}
