CREATE TABLE `clinics` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`timezone` text NOT NULL,
	`default_capacity` integer DEFAULT 1 NOT NULL,
	`closed_weekdays` text DEFAULT '[]' NOT NULL,
	`holidays` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `doctors` ADD `clinic_id` text REFERENCES clinics(id);--> statement-breakpoint
CREATE INDEX `doctors_clinic` ON `doctors` (`clinic_id`,`name`);