ALTER TABLE `dependents` ADD `removed_at` integer;--> statement-breakpoint
CREATE INDEX `dependents_removed_at` ON `dependents` (`removed_at`);