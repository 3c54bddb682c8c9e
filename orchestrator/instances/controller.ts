import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { users, type DesiredState, type Instance } from "../../lib/db/schema";
import { encryptSecret } from "../../lib/crypto/secret-box";
import { UnprocessableError } from "../../lib/errors";
import type { CreateInstanceInput, UpdateInstanceInput } from "../../lib/validations/instance";
import type { Logger } from "../logger";
import { newInstanceId, type InstanceStore } from "./instance-store";
import type { Lifecycle } from "./lifecycle";

/**
 * What callers (internal API, gateway, idle stopper, backups) ask of instances: it records the
 * desired state in the DB first, so a crash of this process loses nothing, then asks the
 * lifecycle to converge. The only writer of desired state.
 */
export function createInstanceController(deps: { db: Db; store: InstanceStore; lifecycle: Lifecycle; encryptionKey: string; log: Logger }) {
  const { db, store, lifecycle, log } = deps;
  /** Records the desired state first, then converges; without `wait` the work goes on in the background. */
  async function converge(id: string, desiredState: DesiredState, wait: boolean): Promise<Instance> {
    const instance = await store.setDesiredState(id, desiredState);
    const work = desiredState === "running" ? lifecycle.start(id) : lifecycle.stop(id);
    if (wait) {
      await work;
      return store.get(id);
    }
    work.catch((err) => log.warn({ err, instanceId: id }, `${desiredState === "running" ? "start" : "stop"} failed`));
    return instance;
  }

  /** The live instance's address, if it runs now. */
  function running(id: string): { host: string; port: number } | undefined {
    const proc = lifecycle.get(id);
    return proc && { host: proc.host, port: proc.port };
  }

  return {
    /**
     * Creates a stopped instance with a fresh platform superuser whose password is stored encrypted;
     * with `quota`, only while the owner has fewer instances (checked atomically with the insert).
     */
    async create(ownerId: string, input: CreateInstanceInput, quota?: number): Promise<Instance> {
      const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, ownerId));
      if (!owner) throw new UnprocessableError("Unknown owner.", { fieldErrors: { ownerId: ["No such user."] } });
      const id = newInstanceId();
      const password = randomBytes(24).toString("base64url");
      return store.create(
        {
          id,
          ownerId,
          name: input.name,
          subdomain: input.subdomain,
          superuserEmail: `platform+${id}@picobase.internal`,
          superuserPasswordEnc: encryptSecret(password, deps.encryptionKey),
        },
        quota,
      );
    },
    /** Updates name or idle timeout (store.update answers 404 for an unknown id). */
    update(id: string, input: UpdateInstanceInput): Promise<Instance> {
      return store.update(id, input);
    },
    /** Desired running; with `wait`, resolves once running (rejects if the start fails). */
    start(id: string, wait: boolean): Promise<Instance> {
      return converge(id, "running", wait);
    },
    /** Desired stopped; with `wait`, resolves after the final upload attempt. */
    stop(id: string, wait: boolean): Promise<Instance> {
      return converge(id, "stopped", wait);
    },
    /**
     * Stops and starts an instance meant to run, so its new environment (secrets) is read; one that
     * is meant to be stopped is left alone, as it reads it at its next start. With `wait`, resolves
     * once it runs again (rejects if the start fails).
     */
    async restart(id: string, wait: boolean): Promise<{ instance: Instance; restarted: boolean }> {
      const instance = await store.get(id);
      if (instance.desiredState !== "running") return { instance, restarted: false };
      const work = lifecycle.restart(id);
      if (wait) {
        await work;
        return { instance: await store.get(id), restarted: true };
      }
      work.catch((err) => log.warn({ err, instanceId: id }, "restart failed"));
      return { instance, restarted: true };
    },
    /** Desired running, then `fill` gives the new instance its first data and starts it (a clone, an import). */
    async adopt(id: string, fill: () => Promise<void>): Promise<void> {
      await store.setDesiredState(id, "running");
      await fill();
    },
    async remove(id: string): Promise<void> {
      await store.get(id);
      await lifecycle.remove(id);
    },
    running,
    /** The gateway's wake: a request to a stopped instance makes it desired-running and starts it. */
    async wake(id: string): Promise<{ host: string; port: number }> {
      const live = running(id);
      if (live) return live;
      // Requests must not make the control DB write at will: nothing while a start is in flight, else one conditional write.
      if (!lifecycle.isStarting(id)) await store.setDesiredState(id, "running");
      const proc = await lifecycle.startServing(id);
      return { host: proc.host, port: proc.port };
    },
  };
}

export type InstanceController = ReturnType<typeof createInstanceController>;
