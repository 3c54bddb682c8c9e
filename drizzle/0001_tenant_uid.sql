ALTER TABLE `instances` ADD `tenant_uid` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `instances_tenant_uid_unique` ON `instances` (`tenant_uid`);