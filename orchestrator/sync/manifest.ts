import { z } from "zod";
import { databaseNames } from "./keys";

/** Bumped when the manifest's shape changes incompatibly; readers reject other versions. */
export const MANIFEST_FORMAT = 1;

/** Top-level tenant folders whose files are persisted as blobs (besides the databases). */
export const persistedRoots = ["pb_data/storage", "pb_hooks", "pb_migrations"] as const;

/** A `/`-separated path under one of `persistedRoots`, with no `.`/`..`/empty segments. */
export function isPersistedPath(p: string): boolean {
  if (p.includes("\\") || p.includes("\0")) return false;
  const segments = p.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return false;
  return persistedRoots.some((root) => p.startsWith(`${root}/`));
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex digits");
const size = z.number().int().min(0);

const databaseSchema = z.object({
  name: z.enum(databaseNames),
  key: z.string().min(1),
  /** Of the uncompressed database, verified after download. */
  sha256,
  size,
  compressedSize: size,
});

const fileSchema = z.object({
  path: z.string().refine(isPersistedPath, "path must be a relative path under a persisted folder"),
  sha256,
  size,
  /** Permission bits only (0o777). */
  mode: z.number().int().min(0).max(0o777),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  instanceId: z.string().min(1),
  generation: z.number().int().min(1),
  createdAt: z.iso.datetime(),
  databases: z.array(databaseSchema),
  files: z.array(fileSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestDatabase = z.infer<typeof databaseSchema>;
export type ManifestFile = z.infer<typeof fileSchema>;

/** Parses and validates a stored manifest; throws with the reason when it is not one. */
export function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error("Snapshot manifest is not valid JSON", { cause: err });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid snapshot manifest: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The manifest's stored bytes. */
export function serializeManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The files whose blobs must be uploaded: one per distinct sha256 not already referenced by the
 * previous manifest (whose blobs are known to be stored).
 */
export function blobsToUpload<T extends { sha256: string }>(files: readonly T[], previous: Manifest | null): T[] {
  const stored = new Set(previous?.files.map((f) => f.sha256));
  const out: T[] = [];
  for (const file of files) {
    if (stored.has(file.sha256)) continue;
    stored.add(file.sha256);
    out.push(file);
  }
  return out;
}
