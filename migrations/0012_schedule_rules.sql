ALTER TABLE `doctors` ADD `buffer_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `doctors` ADD `min_notice_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `doctors` ADD `cancel_cutoff_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `doctors` ADD `max_per_day` integer;--> statement-breakpoint
ALTER TABLE `doctors` ADD `reserved_places` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `doctors` ADD `appointment_types` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `schedule_ranges` ADD `capacity` integer;