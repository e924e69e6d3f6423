// docslot booking widget. A clinic's page adds one tag:
//   <script src="https://HOST/widget.js" data-doctor="DOCTOR_ID" async></script>
// (or data-doctors="ID1,ID2", or data-clinic="CLINIC_ID" for a clinic's doctors; optional
// data-target="#css-selector" to choose where the frame goes).
// It inserts an iframe running the booking flow from HOST, sizes it to its content, and fires a
// `docslot:booked` CustomEvent (detail: {appointment}) on the script tag (or, with data-target, on the
// widget inside that element) that bubbles to document and window; `docslot:cancelled` likewise.
(() => {
	const script =
		document.currentScript ??
		[...document.querySelectorAll('script[src*="widget.js"]')].find(
			(s) => s instanceof HTMLScriptElement && !s.dataset.docslotMounted,
		);
	if (!(script instanceof HTMLScriptElement) || script.dataset.docslotMounted) return;
	script.dataset.docslotMounted = "true";

	const origin = new URL(script.src, location.href).origin;
	const src = new URL("/embed", origin);
	const { doctor, doctors, clinic, target, title } = script.dataset;
	if (doctor) src.searchParams.set("doctor", doctor);
	else if (doctors) src.searchParams.set("doctors", doctors);
	else if (clinic) src.searchParams.set("clinic", clinic);

	const host = document.createElement("div");
	host.className = "docslot-widget";
	const frame = document.createElement("iframe");
	frame.src = src.toString();
	frame.title = title || "Book an appointment";
	frame.setAttribute("data-testid", "widget-frame");
	// Until the frame reports its height; then it follows its content, so the host page never scrolls twice.
	frame.style.cssText = "display:block;width:100%;height:560px;border:0;overflow:hidden;";
	host.append(frame);

	const place = () => {
		const chosen = target ? document.querySelector(target) : null;
		if (chosen) chosen.append(host);
		else if (document.body?.contains(script)) script.after(host);
		else if (document.body) document.body.append(host);
		else return false;
		return true;
	};
	if (!place()) document.addEventListener("DOMContentLoaded", place, { once: true });

	window.addEventListener("message", (event) => {
		if (event.origin !== origin || event.source !== frame.contentWindow) return;
		const data = event.data;
		if (data?.type === "docslot:resize" && Number.isFinite(data.height)) {
			frame.style.height = `${Math.max(120, Math.ceil(data.height))}px`;
		} else if (data?.type === "docslot:booked" || data?.type === "docslot:cancelled") {
			const event = new CustomEvent(data.type, {
				bubbles: true,
				composed: true,
				detail: { appointment: data.appointment },
			});
			// From the tag itself (or the widget inside data-target's element), bubbling to document and window.
			const from = [target ? host : script, host].find((el) => el.isConnected);
			(from ?? window).dispatchEvent(event);
		}
	});
})();
