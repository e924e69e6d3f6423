CREATE TABLE `idempotency_keys` (
	`booked_by` text NOT NULL,
	`key` text NOT NULL,
	`doctor_id` text NOT NULL,
	`start` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`booked_by`, `key`)
);
--> statement-breakpoint
DROP INDEX `appointments_idempotency`;