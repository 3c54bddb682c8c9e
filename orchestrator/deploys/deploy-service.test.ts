import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeployService, type DeployServiceDeps } from "./deploy-service";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "deploy-service-"));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A service whose control DB answers after a little while, as a real one does. */
function service() {
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
  const deps = {
    config: { limits: { maxBytes: 1024 * 1024, maxFiles: 10 }, workDir: path.join(dir, "work"), allowUnsandboxed: false, sandboxed: true, kept: 20 },
    log: pino({ level: "silent" }),
    storage: {},
    records: { withStatus: () => later([]) },
    store: { get: () => later({}) },
    lifecycle: { restart: async () => undefined },
  } as unknown as DeployServiceDeps;
  return createDeployService(deps);
}

const author = { label: "ada@example.com", userId: "u1" };

describe("deploy uploads", () => {
  it("take one upload of an instance at a time, even when several arrive together", async () => {
    const deploys = service();
    const bodies = Array.from({ length: 5 }, () => new PassThrough());
    const outcomes = bodies.map((body) =>
      deploys.create("i1", { body, contentType: "application/gzip", contentLength: undefined }, author).then(
        () => "stored",
        (err: { status?: number }) => err.status,
      ),
    );
    // The first is still being received (its sender is slow) while the others are sent in full: they are refused.
    for (const body of bodies.slice(1)) body.end(Buffer.from("not a tar.gz"));
    expect(await Promise.all(outcomes.slice(1))).toEqual([409, 409, 409, 409]);
    bodies[0]!.end(Buffer.from("not a tar.gz"));
    expect(await outcomes[0]).toBe(422);
    // The slot is free again once that upload is answered.
    const next = new PassThrough();
    const again = deploys
      .create("i1", { body: next, contentType: "application/gzip", contentLength: undefined }, author)
      .catch((err: { status?: number }) => err.status);
    next.end(Buffer.from("still not a tar.gz"));
    expect(await again).toBe(422);
  });
});
