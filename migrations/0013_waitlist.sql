CREATE TABLE `waitlist_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`patient_id` text NOT NULL,
	`doctor_id` text NOT NULL,
	`date` text NOT NULL,
	`start` text,
	`status` text NOT NULL,
	`body` text NOT NULL,
	`joined_seq` integer NOT NULL,
	`day_version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `waitlist_entries_patient` ON `waitlist_entries` (`patient_id`,`date`,`id`);--> statement-breakpoint
CREATE INDEX `waitlist_entries_day` ON `waitlist_entries` (`doctor_id`,`date`,`status`);--> statement-breakpoint
ALTER TABLE `doctors` ADD `offer_seconds` integer DEFAULT 900 NOT NULL;