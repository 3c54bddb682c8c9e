import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { users, type Instance } from "../../lib/db/schema";
import { encryptSecret } from "../../lib/crypto/secret-box";
import { UnprocessableError } from "../../lib/errors";
import type { CreateInstanceInput, UpdateInstanceInput } from "../../lib/validations/instance";
import type { Logger } from "../logger";
import { newInstanceId, type InstanceStore } from "./instance-store";
import type { Lifecycle } from "./lifecycle";

/**
 * What callers (internal API, gateway) ask of instances: it records the desired state in the DB
 * first, so a crash of this process loses nothing, then asks the lifecycle to converge.
 */
export function createInstanceController(deps: {
  db: Db;
  store: InstanceStore;
  lifecycle: Lifecycle;
  encryptionKey: string;
  log: Logger;
}) {
  const { db, store, lifecycle, log } = deps;
  const background = (what: string, id: string, p: Promise<unknown>) =>
    p.catch((err) => log.warn({ err, instanceId: id }, `${what} failed`));

  return {
    /** Creates a stopped instance with a fresh platform superuser whose password is stored encrypted. */
    async create(ownerId: string, input: CreateInstanceInput): Promise<Instance> {
      const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, ownerId));
      if (!owner) throw new UnprocessableError("Unknown owner.", { fieldErrors: { ownerId: ["No such user."] } });
      const id = newInstanceId();
      const password = randomBytes(24).toString("base64url");
      return store.create({
        id,
        ownerId,
        name: input.name,
        subdomain: input.subdomain,
        superuserEmail: `platform+${id}@picobase.internal`,
        superuserPasswordEnc: encryptSecret(password, deps.encryptionKey),
      });
    },
    async update(id: string, input: UpdateInstanceInput): Promise<Instance> {
      await store.get(id);
      return store.update(id, input);
    },
    /** Desired running; with `wait`, resolves once running (rejects if the start fails). */
    async start(id: string, wait: boolean): Promise<Instance> {
      await store.get(id);
      const instance = await store.update(id, { desiredState: "running" });
      const started = lifecycle.start(id);
      if (wait) await started;
      else void background("start", id, started);
      return wait ? store.get(id) : instance;
    },
    /** Desired stopped; with `wait`, resolves after the final upload attempt. */
    async stop(id: string, wait: boolean): Promise<Instance> {
      await store.get(id);
      const instance = await store.update(id, { desiredState: "stopped" });
      const stopped = lifecycle.stop(id);
      if (wait) await stopped;
      else void background("stop", id, stopped);
      return wait ? store.get(id) : instance;
    },
    async remove(id: string): Promise<void> {
      await store.get(id);
      await lifecycle.remove(id);
    },
    /** The gateway's wake: a request to a stopped instance makes it desired-running and starts it. */
    async wake(id: string): Promise<{ port: number }> {
      const running = lifecycle.get(id);
      if (running) return { port: running.port };
      const instance = await store.get(id);
      if (instance.desiredState !== "running") await store.update(id, { desiredState: "running" });
      const proc = await lifecycle.start(id);
      return { port: proc.port };
    },
  };
}

export type InstanceController = ReturnType<typeof createInstanceController>;
