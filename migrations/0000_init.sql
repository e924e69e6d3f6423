CREATE TABLE `appointments` (
	`id` text PRIMARY KEY NOT NULL,
	`doctor_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`date` text NOT NULL,
	`start` text NOT NULL,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`day_version` integer NOT NULL,
	`idempotency_key` text,
	`booked_by` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `appointments_patient_start` ON `appointments` (`patient_id`,`start`);--> statement-breakpoint
CREATE INDEX `appointments_doctor_start` ON `appointments` (`doctor_id`,`start`);--> statement-breakpoint
CREATE INDEX `appointments_idempotency` ON `appointments` (`booked_by`,`idempotency_key`);--> statement-breakpoint
CREATE TABLE `doctors` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`specialty` text,
	`is_available` integer DEFAULT true NOT NULL,
	`is_approved` integer DEFAULT false NOT NULL,
	`timezone` text,
	`slot_minutes` integer DEFAULT 30 NOT NULL,
	`capacity` integer DEFAULT 1 NOT NULL,
	`horizon_days` integer DEFAULT 60 NOT NULL,
	`config_version` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedule_ranges` (
	`doctor_id` text NOT NULL,
	`weekday` integer NOT NULL,
	`start` text NOT NULL,
	`end` text NOT NULL,
	PRIMARY KEY(`doctor_id`, `weekday`, `start`),
	FOREIGN KEY (`doctor_id`) REFERENCES `doctors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `unavailability` (
	`id` text PRIMARY KEY NOT NULL,
	`doctor_id` text NOT NULL,
	`date` text NOT NULL,
	`start` text NOT NULL,
	`end` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`doctor_id`) REFERENCES `doctors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `unavailability_doctor_date` ON `unavailability` (`doctor_id`,`date`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`doctor_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);