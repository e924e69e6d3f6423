// Visit types as patients choose them: each type's length, and the slots a visit of each can start at now.
import type { SlotView } from "./booking";
import {
	type AppointmentType,
	blockedIntervals,
	type DayConfig,
	isBlocked,
	scheduledSlots,
} from "./day-config";

/** A visit type as the day's availability shows it: `minutes` from its first slot's start to its last's end. */
export interface VisitTypeView {
	id: string;
	name: string;
	slots: number;
	minutes: number;
}

/** The schedule's visit types with their lengths (buffers between their slots included); none: empty. */
export function visitTypeViews(config: DayConfig): VisitTypeView[] {
	const buffer = config.bufferMinutes ?? 0;
	return (config.appointmentTypes ?? []).map((type) => ({
		id: type.id,
		name: type.name,
		slots: type.slots,
		minutes: type.slots * config.slotMinutes + (type.slots - 1) * buffer,
	}));
}

/**
 * The day's slot views with `types`: the ids of the visit types a patient could book starting there now, that
 * is every one of the type's consecutive slots in one range is `available` and no block falls across them (a
 * buffer between them included). This is decideBooking's answer for a patient, read off the views. A day
 * without types keeps its views as they are (no `types` field).
 */
export function withVisitTypes(config: DayConfig, views: readonly SlotView[]): SlotView[] {
	const types = config.appointmentTypes ?? [];
	if (types.length === 0) return [...views];
	// `views` are the open slots in schedule order, so the same index names the same slot in both.
	const slots = scheduledSlots(config);
	const blocked = blockedIntervals(config);
	const free = views.map(
		(view, i) => view.status === "available" && slots[i]?.start === Date.parse(view.start),
	);
	return views.map((view, i) => ({
		...view,
		types: types.filter((type) => fits(type, i)).map((type) => type.id),
	}));

	function fits(type: AppointmentType, first: number): boolean {
		const start = slots[first];
		const end = slots[first + type.slots - 1];
		if (start === undefined || end === undefined || end.range !== start.range) return false;
		for (let i = first; i < first + type.slots; i++) if (!free[i]) return false;
		return !isBlocked({ start: start.start, end: end.end }, blocked);
	}
}

/** Whether two configs show the same visit types (a live update carries them only when they change). */
export function sameVisitTypes(a: DayConfig | null, b: DayConfig | null): boolean {
	return JSON.stringify(a ? visitTypeViews(a) : []) === JSON.stringify(b ? visitTypeViews(b) : []);
}
