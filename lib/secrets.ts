import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const secretsSchema = z.object({
  nextAuthSecret: z.string().min(32),
  orchestratorToken: z.string().min(32),
  encryptionKey: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Platform secrets generated on first start so a fresh clone runs with no `.env`. */
export type PlatformSecrets = z.infer<typeof secretsSchema>;

/**
 * Reads `<dataDir>/secrets.json`, creating it (mode 0600) on first use. Creation uses an
 * exclusive open so the web and orchestrator processes starting together agree on one file.
 */
export function loadOrCreateSecrets(dataDir: string): PlatformSecrets {
  const file = path.join(dataDir, "secrets.json");
  fs.mkdirSync(dataDir, { recursive: true });
  const fresh: PlatformSecrets = {
    nextAuthSecret: randomBytes(32).toString("base64url"),
    orchestratorToken: randomBytes(32).toString("base64url"),
    encryptionKey: randomBytes(32).toString("hex"),
  };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(fresh, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return secretsSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}
