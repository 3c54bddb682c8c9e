import { eq } from "drizzle-orm";
import { decryptSecret } from "../../lib/crypto/secret-box";
import type { Db } from "../../lib/db/client";
import { instanceSecrets } from "../../lib/db/schema";
import { secretNameProblem } from "../../lib/validations/secrets";
import type { Logger } from "../logger";

/** Reads one instance's secrets as environment variables, decrypted, for its launch. */
export type TenantSecrets = (instanceId: string) => Promise<Record<string, string>>;

/**
 * The instance secrets the dashboard stored (encrypted under the platform key), decrypted at each
 * start and handed to the launch in memory only. A name the platform does not allow (stored
 * before it was reserved, or written around the web) is left out and named in the log; values
 * are never logged. A value that cannot be decrypted fails the start rather than run without it.
 */
export function createTenantSecrets(deps: { db: Db; encryptionKey: string; log: Logger }): TenantSecrets {
  return async (instanceId) => {
    const rows = await deps.db
      .select({ name: instanceSecrets.name, valueEnc: instanceSecrets.valueEnc })
      .from(instanceSecrets)
      .where(eq(instanceSecrets.instanceId, instanceId));
    const env: Record<string, string> = {};
    for (const { name, valueEnc } of rows) {
      if (secretNameProblem(name) !== null) {
        deps.log.warn({ instanceId, name }, "instance secret under a name the platform does not allow; not passed to the tenant");
        continue;
      }
      try {
        env[name] = decryptSecret(valueEnc, deps.encryptionKey);
      } catch (err) {
        throw new Error(`The secret ${name} could not be decrypted (was the platform's ENCRYPTION_KEY changed?). Set it again.`, { cause: err });
      }
    }
    return env;
  };
}
