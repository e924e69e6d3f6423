// Percentiles and summaries of latency samples (milliseconds).

export interface LatencySummary {
	n: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	mean: number;
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function summarize(values: readonly number[]): LatencySummary {
	const sorted = [...values].sort((a, b) => a - b);
	const sum = sorted.reduce((a, b) => a + b, 0);
	return {
		n: sorted.length,
		p50: percentile(sorted, 50),
		p90: percentile(sorted, 90),
		p99: percentile(sorted, 99),
		max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number),
		mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
	};
}

/** A number for a table: one decimal below 100, none above; "–" for NaN. */
export function fmt(value: number | undefined | null, digits?: number): string {
	if (value === undefined || value === null || Number.isNaN(value)) return "–";
	const d = digits ?? (Math.abs(value) < 100 ? 1 : 0);
	return value.toFixed(d);
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | number): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const item of items) {
		const k = String(key(item));
		counts[k] = (counts[k] ?? 0) + 1;
	}
	return counts;
}
