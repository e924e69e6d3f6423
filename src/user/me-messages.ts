// The user's own live channel (GET /api/me/live) and the notifications it carries; public/js/notification-bell.js
// speaks the same.
import type { Appointment } from "../core/appointment";
import type { NotificationType } from "../core/notifications";

/** A notification as the API shows it. */
export interface NotificationView {
	id: string;
	type: NotificationType;
	appointment_id: string | null;
	title: string;
	body: string;
	created_at: string;
	read_at: string | null;
}

/**
 * `unread` comes first on every (re)connect and after every change of the count (a new notification, one
 * read in another tab); `notification` as each arrives; `appointment` when one of the account's appointments
 * changed in a way that makes no notification (the visit's steps: checked in, completed, no-show).
 */
export type MeMessage =
	| { type: "unread"; count: number }
	| { type: "notification"; notification: NotificationView }
	| { type: "appointment"; appointment: Appointment };

/** Sends one message to every socket; one broken socket must not stop the others. */
export function sendToMe(sockets: readonly WebSocket[], message: MeMessage): void {
	const text = JSON.stringify(message);
	for (const ws of sockets) {
		try {
			ws.send(text);
		} catch {}
	}
}
