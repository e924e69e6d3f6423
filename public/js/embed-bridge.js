// @ts-check
// Inside the widget's frame: tells the host page (through public/widget.js) the frame's height and bookings.

/** The embedding page's origin where the browser tells it, so messages go to that page and no other. */
function parentOrigin() {
	const ancestors = /** @type {any} */ (location).ancestorOrigins;
	if (ancestors?.length > 0 && ancestors[0] !== "null") return ancestors[0];
	try {
		if (document.referrer) return new URL(document.referrer).origin;
	} catch {
		// An unparsable referrer: fall through.
	}
	return "*";
}

export function startEmbedBridge() {
	if (window.parent === window) return { booked() {}, cancelled() {} };
	const origin = parentOrigin();
	/** @param {Record<string, unknown>} message */
	const post = (message) => window.parent.postMessage(message, origin);
	let last = 0;
	const report = () => {
		// The body's own height: the document's scrollHeight never drops below the frame's, so it could not shrink.
		const height = Math.ceil(document.body.getBoundingClientRect().height);
		if (height === last) return;
		last = height;
		post({ type: "docslot:resize", height });
	};
	new ResizeObserver(report).observe(document.body);
	report();
	return {
		/** @param {unknown} appointment */
		booked(appointment) {
			post({ type: "docslot:booked", appointment });
		},
		/** @param {unknown} appointment */
		cancelled(appointment) {
			post({ type: "docslot:cancelled", appointment });
		},
	};
}
