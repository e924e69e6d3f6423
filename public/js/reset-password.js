// @ts-check
// The password reset page: asks for a link by email, or (opened from the link, ?token=) sets a new password.
import { ApiError, request } from "./api.js";
import { byId } from "./dom.js";

const token = new URLSearchParams(location.search).get("token");
const status = byId("reset-status");
const form = byId(token === null ? "ask-form" : "set-form");
form.hidden = false;

form.addEventListener("submit", async (event) => {
	event.preventDefault();
	status.textContent = "Sending…";
	try {
		if (token === null) {
			const email = /** @type {HTMLInputElement} */ (byId("ask-email")).value;
			const answer = await request("POST", "/api/auth/password-reset", { body: { email } });
			status.textContent = answer.message;
		} else {
			const password = /** @type {HTMLInputElement} */ (byId("set-password")).value;
			await request("POST", "/api/auth/password-reset/confirm", { body: { token, password } });
			status.textContent = "Your password is set. Sign in with it on the booking page.";
			form.hidden = true;
		}
	} catch (error) {
		const problem = error instanceof ApiError ? (error.issues[0]?.message ?? error.message) : String(error);
		status.textContent = problem;
	}
});
