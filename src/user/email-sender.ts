// Sending one queued email through the send_email binding (Cloudflare Email Workers; wrangler dev stores it).
import type { OutgoingEmail } from "./email-outbox";

/** Sends one email or throws; the binding in production, a fake in tests. */
export type EmailSender = (email: OutgoingEmail) => Promise<void>;

export function bindingSender(env: Env): EmailSender {
	return async (email) => {
		await env.SEND_EMAIL.send({
			from: { name: "docslot", email: env.EMAIL_FROM },
			to: email.recipient,
			subject: email.subject,
			text: email.text,
			html: email.html,
			// The receiver (and our logs) can tell a retried send from a new email.
			headers: { "X-Docslot-Email-Id": email.id },
			attachments:
				email.ics === null
					? []
					: [
							{
								disposition: "attachment",
								filename: "appointment.ics",
								type: "text/calendar",
								content: email.ics,
							},
						],
		});
	};
}
