CREATE TABLE `custom_domains` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`hostname` text NOT NULL,
	`verify_token` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`is_primary` integer DEFAULT false NOT NULL,
	`last_error` text,
	`checked_at` integer,
	`verified_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `custom_domains_instance_idx` ON `custom_domains` (`instance_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_verified_hostname_idx` ON `custom_domains` (`hostname`) WHERE "custom_domains"."status" = 'verified';--> statement-breakpoint
CREATE UNIQUE INDEX `custom_domains_instance_hostname_idx` ON `custom_domains` (`instance_id`,`hostname`);--> statement-breakpoint
CREATE TABLE `email_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`purpose` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_tokens_user_idx` ON `email_tokens` (`user_id`,`purpose`);--> statement-breakpoint
CREATE UNIQUE INDEX `email_tokens_hash_idx` ON `email_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `notices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`instance_id` text,
	`kind` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notices_user_kind_idx` ON `notices` (`user_id`,`kind`,`created_at`);--> statement-breakpoint
ALTER TABLE `instances` ADD `app_url` text;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` integer;