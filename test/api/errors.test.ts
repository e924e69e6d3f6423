// The error contract outside the routes: unknown paths, the OpenAPI document, and a 500 that leaks nothing.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { api } from "../helpers";

describe("the contract's edges", () => {
	it("answers unknown /api routes with 404 NOT_FOUND in the error shape", async () => {
		for (const method of ["GET", "POST", "DELETE"]) {
			const call = await api(method, "/api/nothing/here");
			expect(call.status).toBe(404);
			expect(call.body).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String) } });
		}
	});

	it("checks who is calling before what they sent: strangers get 401, not a lesson in the schema", async () => {
		for (const [method, path] of [
			["POST", "/api/appointments"],
			["POST", "/api/doctors"],
			["PUT", "/api/doctors/someone/schedule"],
			["POST", "/api/doctors/someone/unavailability"],
		]) {
			const call = await api(method as string, path as string, { body: { nonsense: true } });
			expect([call.status, call.body.error.code]).toEqual([401, "UNAUTHORIZED"]);
		}
	});

	it("serves an OpenAPI 3.1 document generated from the validating schemas", async () => {
		const doc = await api("GET", "/api/openapi.json");
		expect(doc.status).toBe(200);
		expect(doc.body.openapi).toBe("3.1.0");
		const paths = Object.keys(doc.body.paths);
		for (const path of [
			"/api/auth/register",
			"/api/auth/login",
			"/api/doctors",
			"/api/doctors/{doctor_id}",
			"/api/doctors/{doctor_id}/schedule",
			"/api/doctors/{doctor_id}/unavailability",
			"/api/doctors/{doctor_id}/unavailability/{id}",
			"/api/doctors/{doctor_id}/availability",
			"/api/doctors/{doctor_id}/availability/date/{date}",
			"/api/doctors/{doctor_id}/slots/check",
			"/api/appointments",
			"/api/appointments/{id}",
			"/api/appointments/{id}/cancel",
			"/api/appointments/{id}/reschedule",
			"/api/appointment-series",
			"/api/appointment-series/{id}",
			"/api/appointment-series/{id}/cancel",
			"/api/notifications",
			"/api/notifications/{id}/read",
			"/api/notifications/read-all",
			"/api/me/live",
		]) {
			expect(paths).toContain(path);
		}
		const book = doc.body.paths["/api/appointments"].post;
		const schema = book.requestBody.content["application/json"].schema;
		expect(schema.required).toEqual(expect.arrayContaining(["doctor_id", "start"]));
		expect(schema.properties.consultation_mode.enum).toEqual(["in_person", "voice", "video", "chat"]);
	});

	it("answers a failure inside with a JSON 500 carrying a logged request id, never a stack trace", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		// Storage is isolated per test file, so breaking D1 here breaks nothing elsewhere.
		await env.DB.exec("DROP TABLE doctors");
		const call = await api("GET", "/api/doctors");
		expect(call.status).toBe(500);
		expect(call.body).toEqual({
			error: { code: "INTERNAL_ERROR", message: expect.any(String), request_id: expect.any(String) },
		});
		expect(JSON.stringify(call.body)).not.toMatch(/at |\.ts|SQLITE/);
		expect(call.headers.get("x-request-id")).toBe(call.body.error.request_id);
		const logged = errors.mock.calls.map((args) => JSON.parse(String(args[0])));
		expect(logged).toContainEqual(
			expect.objectContaining({ event: "internal_error", request_id: call.body.error.request_id }),
		);
		errors.mockRestore();
	});
});
