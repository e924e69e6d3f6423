// Route-building helpers: every router validates with zod and turns failures into VALIDATION_ERROR.
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { ErrorBody } from "./schemas";

export function newRouter() {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (!result.success) throw validationError(result.error);
		},
	});
}

export function validationError(error: z.ZodError): ApiError {
	const issues = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
	const first = issues[0];
	const message = first ? `${first.path || "body"}: ${first.message}` : "The request is not valid.";
	return new ApiError("VALIDATION_ERROR", message, { issues });
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
	return { content: { "application/json": { schema } }, description };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
	return { required: true, content: { "application/json": { schema } } };
}

const error = (description: string) => jsonContent(ErrorBody, description);

export const errorResponses = {
	400: error("The request is not valid (VALIDATION_ERROR)."),
	401: error("No or bad token (UNAUTHORIZED)."),
	403: error("Signed in, but not allowed (FORBIDDEN)."),
	404: error("DOCTOR_NOT_FOUND, APPOINTMENT_NOT_FOUND or NOT_FOUND."),
	409: error("The booking rules refuse it, or the email is taken."),
} as const;

export const bearer = [{ bearer: [] }];
