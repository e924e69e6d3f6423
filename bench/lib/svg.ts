// A hand-written SVG line chart: throughput and p99 latency against concurrency (log2 axis), one line
// per target, in two panels side by side.

export interface Series {
	name: string;
	color: string;
	points: Array<{ x: number; throughput: number; p99: number }>;
}

const W = 880;
const H = 390;
const PANEL_W = 380;
const PANEL_H = 250;
const TOP = 50;
const LEFT = [70, 510];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceMax(value: number): number {
	if (!(value > 0)) return 1;
	const power = 10 ** Math.floor(Math.log10(value));
	for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
	return 10 * power;
}

function panel(
	series: Series[],
	left: number,
	title: string,
	unit: string,
	value: (p: Series["points"][number]) => number,
	xs: number[],
): string {
	const xMin = Math.log2(Math.min(...xs));
	const xMax = Math.log2(Math.max(...xs));
	const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map(value)), 0));
	const px = (x: number) =>
		left + (xMax === xMin ? PANEL_W / 2 : ((Math.log2(x) - xMin) / (xMax - xMin)) * PANEL_W);
	const py = (y: number) => TOP + PANEL_H - (y / yMax) * PANEL_H;
	const parts: string[] = [];
	parts.push(
		`<text x="${left + PANEL_W / 2}" y="${TOP - 18}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
	);
	parts.push(
		`<rect x="${left}" y="${TOP}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#999" stroke-width="1"/>`,
	);
	for (let i = 0; i <= 5; i++) {
		const y = (yMax / 5) * i;
		parts.push(`<line x1="${left}" x2="${left + PANEL_W}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`);
		parts.push(
			`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${y >= 100 ? y.toFixed(0) : Number(y.toPrecision(3))}</text>`,
		);
	}
	for (const x of xs) {
		parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${TOP}" y2="${TOP + PANEL_H}" stroke="#f3f3f3"/>`);
		parts.push(
			`<text x="${px(x)}" y="${TOP + PANEL_H + 16}" text-anchor="middle" font-size="11">${x}</text>`,
		);
	}
	parts.push(
		`<text x="${left + PANEL_W / 2}" y="${TOP + PANEL_H + 34}" text-anchor="middle" font-size="12">concurrent clients (closed loop)</text>`,
	);
	parts.push(
		`<text transform="translate(${left - 48} ${TOP + PANEL_H / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(unit)}</text>`,
	);
	for (const s of series) {
		const points = s.points.map((p) => `${px(p.x).toFixed(1)},${py(value(p)).toFixed(1)}`);
		parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
		for (const p of s.points) {
			parts.push(
				`<circle cx="${px(p.x).toFixed(1)}" cy="${py(value(p)).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${p.x} clients, ${value(p).toFixed(1)} ${esc(unit)}</title></circle>`,
			);
		}
	}
	return parts.join("\n");
}

export function scalingChart(series: Series[], subtitle: string): string {
	const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
	if (xs.length === 0) return "";
	const legend = series
		.map(
			(s, i) =>
				`<rect x="${(LEFT[0] as number) + i * 400}" y="${H - 14}" width="14" height="4" fill="${s.color}"/><text x="${(LEFT[0] as number) + 20 + i * 400}" y="${H - 8}" font-size="12">${esc(s.name)}</text>`,
		)
		.join("\n");
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="chart-title">
<title id="chart-title">${esc(subtitle)}: throughput and p99 latency against concurrent clients</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(subtitle)}</text>
${panel(series, LEFT[0] as number, "Bookings per second", "req/s", (p) => p.throughput, xs)}
${panel(series, LEFT[1] as number, "p99 latency", "ms", (p) => p.p99, xs)}
${legend}
</svg>
`;
}
