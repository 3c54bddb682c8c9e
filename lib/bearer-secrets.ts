import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * High-entropy bearer secrets with a visible prefix, `<prefix>_<12-char id>_<43-char secret>`:
 * instance API keys (`pbk`) and account tokens (`pbt`). The id is public (listings, lookup); the
 * whole string is stored only as its SHA-256 (a fast hash suits 256-bit random secrets).
 */

/** How stale `lastUsedAt` may get before a use is written again. */
export const lastUsedResolutionMs = 60_000;

/** A freshly generated secret; `secret` is shown to its owner once and never stored. */
type GeneratedBearerSecret = { id: string; secret: string; hash: string; prefix: string };

/** A stored secret as listed to its owner: never the secret or its hash. */
export type BearerSecretView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

/** The format of one kind of bearer secret. */
export type BearerSecretFormat = {
  /** The kind's prefix without its underscore, e.g. `pbk`. */
  readonly kind: string;
  /** The visible, non-secret part, used in listings: `<kind>_<id>`. */
  prefixOf(id: string): string;
  generate(): GeneratedBearerSecret;
  /** The lookup id of a well-formed secret of this kind, or null. */
  parse(secret: string): { id: string } | null;
  /**
   * Reads `Authorization: Bearer <kind>_...`, or the bare secret (the PocketBase SDK sends its
   * auth token without a scheme); null when the header carries no secret of this kind.
   */
  fromAuthorization(header: string | null | undefined): string | null;
};

/** The format of secrets starting `<kind>_` (`kind`: lower-case letters). */
export function bearerSecretFormat(kind: string): BearerSecretFormat {
  if (!/^[a-z]+$/.test(kind)) throw new Error(`bearer secret kind must be lower-case letters: ${kind}`);
  const pattern = new RegExp(`^${kind}_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$`);
  const prefixOf = (id: string) => `${kind}_${id}`;
  return {
    kind,
    prefixOf,
    generate() {
      const id = randomBytes(9).toString("base64url");
      const secret = `${prefixOf(id)}_${randomBytes(32).toString("base64url")}`;
      return { id, secret, hash: hashBearerSecret(secret), prefix: prefixOf(id) };
    },
    parse(secret) {
      const match = pattern.exec(secret);
      return match?.[1] ? { id: match[1] } : null;
    },
    fromAuthorization(header) {
      const token = /^(?:Bearer\s+)?(\S+)$/i.exec(header?.trim() ?? "")?.[1];
      return token && token.startsWith(`${kind}_`) ? token : null;
    },
  };
}

/** SHA-256 hex of the whole secret. */
export function hashBearerSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Constant-time comparison of a presented secret against a stored hash. */
export function verifyBearerSecret(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashBearerSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** A live (not revoked) stored secret, as a check needs it. */
export type StoredBearerSecret = { id: string; hash: string; lastUsedAt: Date | null };

/** Where one kind of secret is stored: a live row by id, and the write of a use. */
export type BearerSecretStore<R extends StoredBearerSecret> = {
  findLive(id: string): Promise<R | undefined>;
  recordUse(id: string, now: Date): Promise<void>;
};

/**
 * Checks a presented secret: returns its live row (recording the use, at most once a minute,
 * since last use is shown to the minute and a write per request would serialize hot paths) or
 * null for malformed, unknown, wrong or revoked secrets.
 */
export async function checkBearerSecret<R extends StoredBearerSecret>(
  format: BearerSecretFormat,
  store: BearerSecretStore<R>,
  presented: string,
  now: Date,
): Promise<R | null> {
  const parsed = format.parse(presented);
  if (!parsed) return null;
  const row = await store.findLive(parsed.id);
  if (!row || !verifyBearerSecret(presented, row.hash)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) await store.recordUse(row.id, now);
  return row;
}

/** A stored row as its owner sees it in a listing. */
export function bearerSecretView(
  format: BearerSecretFormat,
  row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null },
): BearerSecretView {
  return {
    id: row.id,
    name: row.name,
    prefix: format.prefixOf(row.id),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
