// Reads iCalendar text back with ical.js (a maintained RFC 5545 parser), as calendar apps would.
import ICAL from "ical.js";

export interface ParsedEvent {
	uid: string;
	sequence: number;
	status: string;
	summary: string;
	start: number;
	end: number;
	/** Whether DTSTART was written as a UTC instant (…Z). */
	utc: boolean;
}

export function parseCalendar(text: string): { name: unknown; events: ParsedEvent[] } {
	const calendar = new ICAL.Component(ICAL.parse(text));
	const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
		const event = new ICAL.Event(vevent);
		return {
			uid: event.uid,
			sequence: event.sequence,
			status: String(vevent.getFirstPropertyValue("status")),
			summary: event.summary,
			start: event.startDate.toJSDate().getTime(),
			end: event.endDate.toJSDate().getTime(),
			utc: event.startDate.zone === ICAL.Timezone.utcTimezone,
		};
	});
	return { name: calendar.getFirstPropertyValue("x-wr-calname"), events };
}
