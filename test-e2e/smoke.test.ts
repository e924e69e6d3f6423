// Proves the harness: real HTTP against wrangler dev, and a crash (SIGKILL) that loses no booking.
import { afterAll, describe, expect, inject, it } from "vitest";
import { api, at, createDoctor, inDays, registerPatients } from "./client";
import { groupAlive, startServer, type TestServer } from "./server";

describe("shared server (global setup)", () => {
	const ctx = { baseUrl: inject("baseUrl"), adminToken: inject("adminToken") };

	it("books a slot over HTTP and reads it back full", async () => {
		const doctor = await createDoctor(ctx);
		const [first, second] = await registerPatients(ctx, 2);
		const date = inDays(1);
		const start = at(date, "10:00");

		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: first?.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(booked.status).toBe(201);
		expect(booked.body.appointment).toMatchObject({ doctor_id: doctor.id, start, status: "confirmed" });

		const refused = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: second?.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe("SLOT_FULL");

		const day = await api(ctx.baseUrl, "GET", `/api/doctors/${doctor.id}/availability/date/${date}`);
		expect(day.status).toBe(200);
		const slot = day.body.slots.find((s: { start: string }) => s.start === start);
		expect(slot).toMatchObject({ capacity: 1, booked: 1, remaining: 0, status: "full" });
		expect(day.body.booked_count).toBe(1);
	});
});

describe("crash durability (own server)", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("keeps an appointment answered 201 across kill -9 and restart", async () => {
		server = await startServer();
		const ctx = { baseUrl: server.baseUrl, adminToken: server.adminToken };
		const doctor = await createDoctor(ctx);
		const [patient] = await registerPatients(ctx, 1);
		const start = at(inDays(2), "11:30");

		const booked = await api(ctx.baseUrl, "POST", "/api/appointments", {
			token: patient?.token,
			body: { doctor_id: doctor.id, start },
		});
		expect(booked.status).toBe(201);
		const id = booked.body.appointment.id as string;

		const pid = server.pid;
		await server.kill9();
		expect(pid).toBeDefined();
		expect(groupAlive(pid as number)).toBe(false); // wrangler, esbuild and workerd: the whole group
		await server.restart();

		const read = await api(ctx.baseUrl, "GET", `/api/appointments/${id}`, { token: patient?.token });
		expect(read.status).toBe(200);
		expect(read.body.appointment).toMatchObject({ id, doctor_id: doctor.id, start, status: "confirmed" });
	});
});
