// Random ids and timestamps, shared by the Worker and the doctor-day object.
export function newId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(8));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function nowIso(): string {
	return new Date().toISOString();
}
