DROP TABLE `idempotency_keys`;--> statement-breakpoint
ALTER TABLE `doctors` ADD `max_per_patient_per_day` integer DEFAULT 4 NOT NULL;