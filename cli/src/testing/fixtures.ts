import type { Deploy, Instance } from "../api/types";

/** An instance as the platform API returns it, with overrides. */
export function instanceFixture(overrides: Partial<Instance> = {}): Instance {
  const subdomain = overrides.subdomain ?? "my-app";
  return {
    id: "grlgokcuifhe6g",
    name: "My app",
    subdomain,
    url: `https://${subdomain}.example.com`,
    desiredState: "running",
    status: "running",
    statusReason: null,
    deployId: null,
    idleTimeoutMinutes: null,
    storageBytes: 0,
    diskUsedBytes: null,
    diskQuotaBytes: null,
    lastStartedAt: "2026-11-22T04:20:59.777Z",
    lastStoppedAt: null,
    createdAt: "2026-11-22T04:20:59.217Z",
    updatedAt: "2026-11-22T04:20:59.777Z",
    ...overrides,
  };
}

/** A deploy as the platform API returns it, with overrides. */
export function deployFixture(overrides: Partial<Deploy> = {}): Deploy {
  return {
    id: "dep_abc",
    instanceId: "grlgokcuifhe6g",
    number: 3,
    status: "pending",
    author: "ada@example.com",
    sizeBytes: 5120,
    fileCount: 4,
    message: null,
    createdAt: "2026-11-22T04:20:59.217Z",
    finishedAt: null,
    ...overrides,
  };
}
