// @ts-check
// The staff pages' shell (the doctor's page, the admin page): the sign-in view while signed out, the
// dashboard with the user's name and "Sign out" while signed in.
import { renderAuthPanel } from "./auth-panel.js";
import { byId } from "./dom.js";

/**
 * Shows the sign-in view, with the account form of auth-panel.js in it.
 * @param {{intro: string, accept: (user: any) => string | null, onSession: (session: any) => void}} options
 */
export function showSignIn({ intro, accept, onSession }) {
	setSignedIn(false);
	byId("session-user").hidden = true;
	byId("live-status").hidden = true;
	renderAuthPanel({ container: byId("signin-body"), allowRegister: false, intro, accept, onSession });
}

/** @param {string} name the signed-in user's, shown beside "Sign out" */
export function showDashboard(name) {
	setSignedIn(true);
	const who = byId("session-user");
	who.hidden = false;
	who.textContent = name;
}

/** @param {boolean} signedIn */
function setSignedIn(signedIn) {
	byId("signin-view").hidden = signedIn;
	byId("dashboard").hidden = !signedIn;
	byId("sign-out").hidden = !signedIn;
}
