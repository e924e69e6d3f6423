CREATE TABLE `dependents` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`birth_date` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dependents_owner` ON `dependents` (`owner_id`);