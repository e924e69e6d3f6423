ALTER TABLE `users` ADD `tokens_revoked_at` integer;--> statement-breakpoint
CREATE INDEX `users_tokens_revoked_at` ON `users` (`tokens_revoked_at`);--> statement-breakpoint
-- Accounts deleted before this column existed: their revocation dates from their deletion.
UPDATE `users` SET `tokens_revoked_at` = CAST(strftime('%s', `deleted_at`) AS INTEGER) * 1000 WHERE `deleted_at` IS NOT NULL;
