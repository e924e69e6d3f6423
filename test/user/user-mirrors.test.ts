// The User object's in-memory mirrors of its storage (tombstone, unread count, email profile, timers): each
// answer matches what storage holds, after every write, after a transaction that rolled back, and after
// eviction; and a delivery to a warm object reads nothing it already knows.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EmailProfile } from "../../src/user/email-outbox";
import { userObject } from "../../src/user/stub";
import type { User } from "../../src/user/user";
import type { NewNotification, UserStore } from "../../src/user/user-store";
import { createPatient, unique } from "../helpers";

function note(id: string): NewNotification {
	return { id, type: "booked", appointment_id: `a-${id}`, title: `Title ${id}`, body: `Body ${id}` };
}

const PROFILE: EmailProfile = { email: "pat@docslot.test", emailNotifications: true };

function storeOf(user: User): UserStore {
	return (user as unknown as { store: UserStore }).store;
}

/** What the mirrors answer, beside what storage holds, read straight from its tables. */
function mirrorsAndStorage(stub: DurableObjectStub<User>) {
	return runInDurableObject(stub, (user: User, state) => {
		const store = storeOf(user);
		const sql = state.storage.sql;
		const profile = sql
			.exec<{ email: string | null; email_notifications: number }>(
				"SELECT email, email_notifications FROM profile",
			)
			.toArray()
			.map((row) => ({ email: row.email, emailNotifications: row.email_notifications === 1 }))[0];
		return {
			mirrors: { deleted: store.deleted(), unread: store.unread(), profile: store.emails.profile() },
			storage: {
				deleted: sql.exec("SELECT 1 FROM account").toArray().length > 0,
				unread: sql.exec<{ n: number }>("SELECT count(*) AS n FROM notifications WHERE read_at IS NULL").one()
					.n,
				profile: profile ?? null,
			},
		};
	});
}

async function expectInStep(stub: DurableObjectStub<User>) {
	const { mirrors, storage } = await mirrorsAndStorage(stub);
	expect(mirrors).toEqual(storage);
	return mirrors;
}

/** The statements `work` runs on the object's storage, in order. */
function statementsOf(stub: DurableObjectStub<User>, work: (user: User) => Promise<unknown>) {
	return runInDurableObject(stub, async (user: User, state) => {
		const sql = state.storage.sql;
		const exec = sql.exec;
		const statements: string[] = [];
		sql.exec = ((query: string, ...bindings: unknown[]) => {
			statements.push(query.replace(/\s+/g, " ").trim());
			return exec.call(sql, query, ...bindings);
		}) as SqlStorage["exec"];
		try {
			await work(user);
		} finally {
			sql.exec = exec;
		}
		return statements;
	});
}

describe("the User object's mirrors", () => {
	it("keep the unread count exact through marks and redeliveries, in memory and after eviction", async () => {
		const name = unique("u");
		const user = () => userObject(env, name);
		expect(await user().deliver([note("n1"), note("n2"), note("n3")])).toEqual({ added: 3, unread: 3 });
		expect(await user().markRead("n1")).toMatchObject({ ok: true, unread: 2 });
		expect(await user().markRead("n1")).toMatchObject({ ok: true, unread: 2 });
		expect(await user().markRead("no-such")).toEqual({ ok: false, code: "NOT_FOUND" });
		// n1 is read and n2 unread already: only n4 is new.
		expect(await user().deliver([note("n1"), note("n2"), note("n4")])).toEqual({ added: 1, unread: 3 });
		expect((await expectInStep(user())).unread).toBe(3);
		expect(await user().markAllRead()).toEqual({ marked: 3, unread: 0 });
		expect(await user().deliver([note("n4"), note("n5")])).toEqual({ added: 1, unread: 1 });
		expect((await user().list(50, null)).unread).toBe(1);
		expect((await expectInStep(user())).unread).toBe(1);
		await evictDurableObject(user());
		expect((await user().list(50, null)).unread).toBe(1);
		expect(await user().deliver([note("n6")])).toEqual({ added: 1, unread: 2 });
		await expectInStep(user());
	});

	it("take nothing after the account is deleted, in the same instance and after eviction", async () => {
		const name = unique("u");
		const user = () => userObject(env, name);
		await user().setEmailProfile(PROFILE);
		// Warm every mirror first, so the deletion has to change them rather than a fresh read.
		expect(await user().deliver([note("n1")])).toEqual({ added: 1, unread: 1 });
		await user().deleteInbox();
		expect(await expectInStep(user())).toEqual({
			deleted: true,
			unread: 0,
			profile: { email: null, emailNotifications: false },
		});
		expect(await user().deliver([note("n2")])).toEqual({ added: 0, unread: 0 });
		await user().setEmailProfile(PROFILE);
		expect(await user().deliver([note("n3")])).toEqual({ added: 0, unread: 0 });
		expect(await user().outbox()).toEqual([]);
		await evictDurableObject(user());
		expect(await user().deliver([note("n4")])).toEqual({ added: 0, unread: 0 });
		expect(await user().list(50, null)).toEqual({ notifications: [], unread: 0, nextAfter: null });
	});

	it("go back to what storage holds when a store transaction rolls back", async () => {
		const stub = userObject(env, unique("u"));
		await stub.setEmailProfile(PROFILE);
		await stub.deliver([note("n1")]);
		const before = await expectInStep(stub);
		const outcome = await runInDurableObject(stub, (user: User) => {
			const store = storeOf(user);
			const timers = () => store.timers.due(Number.MAX_SAFE_INTEGER);
			const timersBefore = timers();
			try {
				store.transaction(() => {
					store.add([note("n2"), note("n3")], Date.now());
					store.markRead("n1", Date.now());
					store.emails.setProfile({ email: "other@docslot.test", emailNotifications: false });
					store.timers.at("email", 1);
					store.deleteAll(Date.now());
					throw new Error("rolled back");
				});
			} catch (error) {
				return {
					thrown: String(error),
					timersKept: JSON.stringify(timers()) === JSON.stringify(timersBefore),
				};
			}
			return { thrown: null, timersKept: false };
		});
		expect(outcome).toEqual({ thrown: "Error: rolled back", timersKept: true });
		expect(await expectInStep(stub)).toEqual(before);
		expect(await stub.deliver([note("n2")])).toEqual({ added: 1, unread: 2 });
		expect((await stub.outbox()).map((r) => [r.id, r.recipient])).toEqual([
			["n1", PROFILE.email],
			["n2", PROFILE.email],
		]);
	});

	it("go back to what storage holds when a delivery fails half-way through", async () => {
		const patient = await createPatient();
		const stub = userObject(env, patient.id);
		expect(await stub.deliver([note("n1")])).toEqual({ added: 1, unread: 1 });
		await stub.markRead("n1");
		// An object that knows no profile yet: D1's answer is written inside the transaction that fails.
		const fresh = userObject(env, unique("u"));
		for (const target of [stub, fresh]) {
			const before = await expectInStep(target);
			const thrown = await runInDurableObject(target, async (user: User) => {
				const unrenderable: NewNotification = {
					...note("bad"),
					calendar: {
						doctorName: "Dr. A",
						get appointment(): never {
							throw new Error("cannot render");
						},
					},
				};
				try {
					await user.deliver([note("n2"), unrenderable], patient.id);
					return null;
				} catch (error) {
					return String(error);
				}
			});
			expect(thrown).toBe("Error: cannot render");
			expect(await expectInStep(target)).toEqual(before);
			expect((await target.list(50, null)).notifications.map((n) => n.id)).not.toContain("n2");
		}
	});

	it("let a warm object deliver with writes only: no tombstone, profile, count or schema read", async () => {
		const stub = userObject(env, unique("u"));
		// Opted out, so no email timer is set: the object's alarm cannot run between the deliveries below.
		await stub.setEmailProfile({ email: "pat@docslot.test", emailNotifications: false });
		await stub.deliver([note("n1")]);
		const first = (s: string) => s.split(" ").slice(0, 3).join(" ");
		const statements = await statementsOf(stub, (user) => user.deliver([note("n2")]));
		expect(statements.map(first)).toEqual(["INSERT INTO notifications"]);
		// A redelivery only tries its insert, which adds nothing.
		const again = await statementsOf(stub, (user) => user.deliver([note("n2")]));
		expect(again.map(first)).toEqual(["INSERT INTO notifications"]);
		expect(await stub.deliver([note("n2")])).toEqual({ added: 0, unread: 2 });
	});
});
