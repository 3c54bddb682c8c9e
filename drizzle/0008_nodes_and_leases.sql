CREATE TABLE `leases` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`node_id` text,
	`incarnation` text,
	`generation` integer DEFAULT 0 NOT NULL,
	`expires_at` integer DEFAULT 0 NOT NULL,
	`last_node_id` text,
	`previous_node_id` text,
	`lineage` integer DEFAULT 0 NOT NULL,
	`previous_lineage` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `leases_node_idx` ON `leases` (`node_id`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`incarnation` text NOT NULL,
	`host` text DEFAULT '' NOT NULL,
	`gateway_url` text NOT NULL,
	`api_url` text NOT NULL,
	`capacity` integer NOT NULL,
	`running` integer DEFAULT 0 NOT NULL,
	`version` text NOT NULL,
	`draining` integer DEFAULT false NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL
);
