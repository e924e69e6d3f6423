// @ts-check
// The bell in the header of every page for a signed-in user: the unread count, kept live over the user's own
// channel (watchMe in live.js), and a dropdown list of notifications with "mark read" and "mark all read".
import { watchMe } from "../live.js";
import { ApiError, request } from "./api.js";
import { h, replace } from "./dom.js";

const PAGE_SIZE = 20;

/**
 * @typedef {{id: string, type: string, appointment_id: string | null, title: string, body: string,
 *   created_at: string, read_at: string | null}} Notification
 */

/**
 * Puts the bell into `slot` and keeps it live until `close()`.
 * @param {{slot: HTMLElement, token: string, onUnauthorized: () => void}} options
 */
export function mountNotificationBell({ slot, token, onUnauthorized }) {
	let unread = 0;
	/** @type {Notification[] | null} null until the list is first opened */
	let items = null;
	/** @type {string | null} */
	let nextCursor = null;

	const count = h("span", { class: "bell-count", "data-testid": "notification-count", hidden: true });
	const button = h(
		"button",
		{
			type: "button",
			class: "bell",
			"aria-haspopup": "true",
			"aria-expanded": "false",
			"aria-controls": "notification-panel",
			"data-testid": "notification-bell",
			onClick: () => (panel.hidden ? open() : shut()),
		},
		h("span", { class: "bell-icon", "aria-hidden": "true" }),
		h("span", { class: "visually-hidden", text: "Notifications" }),
		count,
	);
	const list = h("ul", { class: "notification-list", "data-testid": "notification-list" });
	const more = h("button", { type: "button", class: "link", text: "Show older", hidden: true });
	more.addEventListener("click", () => void load(nextCursor));
	const readAll = h("button", {
		type: "button",
		class: "link",
		"data-testid": "notifications-read-all",
		text: "Mark all read",
		onClick: () => void call(() => request("POST", "/api/notifications/read-all", { token }), allRead),
	});
	const panel = h(
		"div",
		{
			id: "notification-panel",
			class: "notification-panel",
			role: "region",
			"aria-label": "Notifications",
			hidden: true,
		},
		h("div", { class: "notification-head" }, h("strong", { text: "Notifications" }), readAll),
		list,
		more,
	);
	const root = h("div", { class: "bell-wrap", "data-testid": "notifications" }, button, panel);
	replace(slot, root);
	slot.hidden = false;

	/** @param {KeyboardEvent} event */
	const onKey = (event) => {
		if (event.key === "Escape" && !panel.hidden) {
			shut();
			button.focus();
		}
	};
	/** @param {MouseEvent} event */
	const onOutside = (event) => {
		if (!panel.hidden && event.target instanceof Node && !root.contains(event.target)) shut();
	};
	document.addEventListener("keydown", onKey);
	document.addEventListener("click", onOutside);

	function open() {
		panel.hidden = false;
		button.setAttribute("aria-expanded", "true");
		if (items === null) void load(null);
	}

	function shut() {
		panel.hidden = true;
		button.setAttribute("aria-expanded", "false");
	}

	/** @param {string | null} cursor */
	async function load(cursor) {
		const query =
			cursor === null ? `?limit=${PAGE_SIZE}` : `?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`;
		await call(
			() => request("GET", `/api/notifications${query}`, { token }),
			(page) => {
				items = [...(cursor === null ? [] : (items ?? [])), ...page.notifications];
				nextCursor = page.next_cursor;
				setUnread(page.unread);
			},
		);
	}

	/**
	 * One API call; a refused token ends the session, any other failure says so in the list.
	 * @param {() => Promise<any>} send
	 * @param {(answer: any) => void} then
	 */
	async function call(send, then) {
		try {
			then(await send());
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) return onUnauthorized();
			replace(
				list,
				h("li", {
					class: "muted",
					text: `Could not load notifications: ${String(/** @type {Error} */ (error).message)}`,
				}),
			);
		}
	}

	/** @param {number} n */
	function setUnread(n) {
		unread = n;
		count.textContent = String(n);
		count.dataset.count = String(n);
		count.hidden = n === 0;
		button.setAttribute("aria-label", n === 0 ? "Notifications" : `Notifications, ${n} unread`);
		// Nothing unread (read in another tab, say): every notification shown was read.
		if (n === 0 && items !== null) {
			const now = new Date().toISOString();
			items = items.map((i) => (i.read_at === null ? { ...i, read_at: now } : i));
		}
		render();
	}

	function allRead() {
		setUnread(0);
	}

	function render() {
		if (items === null) return;
		more.hidden = nextCursor === null;
		readAll.hidden = unread === 0;
		if (items.length === 0)
			return void replace(list, h("li", { class: "muted", text: "No notifications yet." }));
		replace(list, items.map(renderItem));
	}

	/** @param {Notification} item */
	function renderItem(item) {
		const when = new Date(item.created_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
		const markRead = h("button", {
			type: "button",
			class: "link",
			"data-testid": "notification-read",
			text: "Mark read",
			onClick: () =>
				void call(
					() => request("POST", `/api/notifications/${encodeURIComponent(item.id)}/read`, { token }),
					(answer) => {
						items = (items ?? []).map((i) => (i.id === item.id ? answer.notification : i));
						setUnread(answer.unread);
					},
				),
		});
		return h(
			"li",
			{
				class: "notification",
				"data-testid": "notification-item",
				"data-type": item.type,
				"data-unread": String(item.read_at === null),
			},
			h("strong", { text: item.title }),
			h("p", { text: item.body }),
			h("small", { class: "muted", text: when }),
			item.read_at === null ? markRead : null,
		);
	}

	const channel = watchMe({
		base: location.origin,
		token,
		onUnauthorized,
		onMessage: (message) => {
			if (message.type === "unread") return setUnread(message.count);
			// A change that makes no notification (checked in, completed, no-show): only pages showing it care.
			if (message.type === "appointment")
				return document.dispatchEvent(
					new CustomEvent("docslot:appointment", { detail: message.appointment }),
				);
			if (message.type !== "notification") return;
			// Pages that show the appointment hear of it too (booking-page.js refreshes "My appointments").
			document.dispatchEvent(new CustomEvent("docslot:notification", { detail: message.notification }));
			if (items === null) return;
			if (items.some((i) => i.id === message.notification.id)) return;
			items = [message.notification, ...items];
			render();
		},
	});

	return {
		close() {
			channel.close();
			document.removeEventListener("keydown", onKey);
			document.removeEventListener("click", onOutside);
			replace(slot);
			slot.hidden = true;
		},
	};
}
