// @ts-check
// The link to an appointment's consultation room, shown wherever the appointment is (the booking
// confirmation, "My appointments", the doctor's list) for voice, video and chat appointments.

const ROOM_MODES = ["voice", "video", "chat"];
/** Rooms close an hour after the appointment ends (src/core/room.ts); no link is offered after that. */
const CLOSES_AFTER_MS = 60 * 60_000;

/**
 * A link to the room, or null when the appointment has none (in person, cancelled, or long over).
 * @param {{id: string, status: string, consultation_mode: string, end: string}} appointment
 * @param {string} [className]
 * @returns {HTMLAnchorElement | null}
 */
export function roomLink(appointment, className = "button subtle compact") {
	if (!ROOM_MODES.includes(appointment.consultation_mode) || appointment.status !== "confirmed") return null;
	if (Date.parse(appointment.end) + CLOSES_AFTER_MS <= Date.now()) return null;
	const link = document.createElement("a");
	link.className = className;
	link.href = `/room?appointment=${encodeURIComponent(appointment.id)}`;
	link.dataset.testid = "room-link";
	link.textContent =
		appointment.consultation_mode === "chat" ? "Open the chat room" : "Join the consultation";
	return link;
}
