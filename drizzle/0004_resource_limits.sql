ALTER TABLE `instances` ADD `resource_limits` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `disk_used_bytes` integer;--> statement-breakpoint
ALTER TABLE `instances` ADD `disk_quota_bytes` integer;