// The User object on its own, through RPC on its stub: deduplicated deliveries, unread counts, pages,
// marking read, eviction, and the deleted account's tombstone.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { NotificationType } from "../../src/core/notifications";
import { userObject } from "../../src/user/stub";
import type { NewNotification } from "../../src/user/user-store";
import { unique } from "../helpers";

function note(id: string, type: NotificationType = "booked"): NewNotification {
	return { id, type, appointment_id: `a-${id}`, title: `Title ${id}`, body: `Body ${id}` };
}

const inbox = () => userObject(env, unique("u"));

describe("the User object's inbox", () => {
	it("adds each notification once, however often its batch is delivered", async () => {
		const user = inbox();
		expect(await user.deliver([note("n1"), note("n2")])).toEqual({ added: 2, unread: 2 });
		expect(await user.deliver([note("n1"), note("n2")])).toEqual({ added: 0, unread: 2 });
		expect(await user.deliver([note("n2"), note("n3")])).toEqual({ added: 1, unread: 3 });
		const page = await user.list(50, null);
		expect(page.notifications.map((n) => n.id)).toEqual(["n3", "n2", "n1"]);
		expect(page.notifications[0]).toEqual({
			id: "n3",
			type: "booked",
			appointment_id: "a-n3",
			title: "Title n3",
			body: "Body n3",
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			read_at: null,
		});
		expect([page.unread, page.nextAfter]).toEqual([3, null]);
	});

	it("keeps a read notification read when it is delivered again", async () => {
		const user = inbox();
		await user.deliver([note("n1"), note("n2")]);
		const read = await user.markRead("n1");
		expect(read).toMatchObject({ ok: true, unread: 1, notification: { id: "n1" } });
		if (!read.ok) throw new Error("expected it read");
		expect(read.notification.read_at).not.toBeNull();
		const again = await user.markRead("n1");
		expect(again).toEqual(read);
		expect(await user.deliver([note("n1")])).toEqual({ added: 0, unread: 1 });
		expect(await user.markRead("no-such")).toEqual({ ok: false, code: "NOT_FOUND" });
		expect(await user.markAllRead()).toEqual({ marked: 1, unread: 0 });
		expect(await user.markAllRead()).toEqual({ marked: 0, unread: 0 });
		expect((await user.list(50, null)).notifications.every((n) => n.read_at !== null)).toBe(true);
	});

	it("pages newest first by position, every notification exactly once", async () => {
		const user = inbox();
		const ids = Array.from({ length: 23 }, (_, i) => `n${String(i).padStart(2, "0")}`);
		await user.deliver(ids.map((id) => note(id)));
		const seen: string[] = [];
		let cursor: number | null = null;
		let pages = 0;
		do {
			const page = await user.list(5, cursor);
			pages += 1;
			expect(page.notifications.length).toBe(page.nextAfter === null ? 3 : 5);
			seen.push(...page.notifications.map((n) => n.id));
			cursor = page.nextAfter;
		} while (cursor !== null);
		expect(pages).toBe(5);
		expect(seen).toEqual([...ids].reverse());
		// A page exactly as long as what is left says there is no next one.
		const exact = inbox();
		await exact.deliver([note("a"), note("b")]);
		expect((await exact.list(2, null)).nextAfter).toBeNull();
	});

	it("keeps everything when evicted from memory", async () => {
		const name = unique("u");
		await userObject(env, name).deliver([note("n1"), note("n2")]);
		await userObject(env, name).markRead("n2");
		await evictDurableObject(userObject(env, name));
		const page = await userObject(env, name).list(50, null);
		expect(page.notifications.map((n) => [n.id, n.read_at === null])).toEqual([
			["n2", false],
			["n1", true],
		]);
		expect(page.unread).toBe(1);
		expect(await userObject(env, name).deliver([note("n1"), note("n2")])).toEqual({ added: 0, unread: 1 });
	});

	it("forgets a deleted account's inbox and takes nothing after", async () => {
		const user = inbox();
		await user.deliver([note("n1")]);
		await user.deleteInbox();
		expect(await user.list(50, null)).toEqual({ notifications: [], unread: 0, nextAfter: null });
		expect(await user.deliver([note("n2")])).toEqual({ added: 0, unread: 0 });
		expect((await user.list(50, null)).notifications).toEqual([]);
	});
});
