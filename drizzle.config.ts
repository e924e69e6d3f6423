// drizzle-kit writes flat migrations/NNNN_*.sql files that `wrangler d1 migrations apply` reads.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
	dialect: "sqlite",
	schema: "./src/db/schema.ts",
	out: "./migrations",
});
