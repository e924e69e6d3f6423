// The Worker's Hono app: middleware order, the routers, the OpenAPI document and the one error renderer.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { authenticate } from "./auth";
import { cacheControl } from "./cache-control";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { limitPublicReads } from "./rate-limit";
import { accounts } from "./routes/accounts";
import { appointmentRoutes } from "./routes/appointments";
import { availabilityRoutes } from "./routes/availability";
import { calendarRoutes, serveCalendarFeed } from "./routes/calendar";
import { clinicRoutes } from "./routes/clinics";
import { hopsRoute } from "./routes/debug-hops";
import { dependentRoutes } from "./routes/dependents";
import { doctorRoutes } from "./routes/doctors";
import { embedPage } from "./routes/embed";
import { FHIR_BASE_PATH, fhirRoutes } from "./routes/fhir";
import { holdRoutes } from "./routes/holds";
import { liveRoutes } from "./routes/live";
import { liveTicketRoutes } from "./routes/live-tickets";
import { meRoutes } from "./routes/me";
import { notificationRoutes } from "./routes/notifications";
import { passwordResetRoutes } from "./routes/password-reset";
import { rescheduleRoutes } from "./routes/reschedule";
import { roomRoutes } from "./routes/rooms";
import { scheduleRoutes } from "./routes/schedules";
import { seriesRoutes } from "./routes/series";
import { unavailabilityRoutes } from "./routes/unavailability";
import { visitDayRoutes } from "./routes/visit-day";
import { waitlistRoutes } from "./routes/waitlist";
import { webhookRoutes } from "./routes/webhooks";

const MAX_BODY_BYTES = 64 * 1024;

export function createApp() {
	const app = new OpenAPIHono<AppEnv>();

	app.use("*", async (c, next) => {
		// Always our own: echoing a client's cf-ray would let it choose the id our logs and errors carry.
		const requestId = crypto.randomUUID();
		c.set("requestId", requestId);
		await next();
		c.header("X-Request-Id", requestId);
	});
	app.use("*", cacheControl);
	app.use(
		"/api/*",
		bodyLimit({
			maxSize: MAX_BODY_BYTES,
			onError: () => {
				throw new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
			},
		}),
	);
	app.use("/api/*", authenticate);

	for (const routes of [
		accounts,
		passwordResetRoutes,
		meRoutes,
		doctorRoutes,
		clinicRoutes,
		scheduleRoutes,
		unavailabilityRoutes,
		availabilityRoutes,
		appointmentRoutes,
		visitDayRoutes,
		holdRoutes,
		waitlistRoutes,
		rescheduleRoutes,
		seriesRoutes,
		dependentRoutes,
		liveRoutes,
		liveTicketRoutes,
		calendarRoutes,
		roomRoutes,
		notificationRoutes,
		webhookRoutes,
	]) {
		app.route("/", routes);
	}

	app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
	app.doc31("/api/openapi.json", {
		openapi: "3.1.0",
		info: {
			title: "docslot",
			version: "1.0.0",
			description: "Real-time doctor appointment booking: one Durable Object per doctor-day.",
		},
	});

	app.get("/embed", embedPage);
	app.get("/calendar/:file", limitPublicReads, serveCalendarFeed);
	app.route(FHIR_BASE_PATH, fhirRoutes);
	app.get("/api/_debug/hops", (c) => hopsRoute(c));

	app.notFound((c) => {
		if (!c.req.path.startsWith("/api/")) return c.env.ASSETS.fetch(c.req.raw);
		return c.json(new ApiError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`).toJSON(), 404);
	});

	app.onError((error, c) => {
		const apiError = toApiError(error);
		if (apiError.status >= 500) {
			console.error(
				JSON.stringify({
					event: "internal_error",
					request_id: c.get("requestId"),
					error: String(error),
					stack: error.stack,
				}),
			);
		}
		const body = apiError.toJSON();
		if (apiError.status >= 500) Object.assign(body.error, { request_id: c.get("requestId") });
		return c.json(body, apiError.status);
	});

	return app;
}

/** Maps anything thrown to the contract: hono's own 4xx (bad JSON, wrong media type) are validation errors. */
function toApiError(error: Error): ApiError {
	if (error instanceof ApiError) return error;
	if (error instanceof HTTPException && error.status === 413) return new ApiError("PAYLOAD_TOO_LARGE");
	if (error instanceof HTTPException && error.status < 500) {
		const message = error.status === 415 ? "Send the body as application/json." : error.message;
		return new ApiError("VALIDATION_ERROR", message, { issues: [{ path: "body", message }] });
	}
	return new ApiError("INTERNAL_ERROR");
}
