// Dependents: family members an account books for. Who a family booking may name, and what removing a
// dependent (or deleting its owner's account) cancels. Pure: ownership and removal are given as facts.
import type { Appointment } from "./appointment";
import { holdsPlace } from "./lifecycle";

/**
 * Whether a family booking by `callerId` may name `id`: the caller, or a dependent the caller owns (its id's
 * MAC names the owner) that the owner has not removed.
 */
export function mayBookMember(callerId: string, id: string, owned: boolean, removed: boolean): boolean {
	return id === callerId || (owned && !removed);
}

/** The appointments that go with a removed dependent (or its owner's deleted account): those still to come that keep a place. */
export function toCancelOnRemoval(appointments: readonly Appointment[], now: number): Appointment[] {
	return appointments.filter((a) => holdsPlace(a.status) && Date.parse(a.start) > now);
}
