import { z } from "zod";
import { snapshotReasons } from "../../lib/db/schema";
import { databaseNames } from "./keys";

/**
 * The manifest format written now. 1: every file inline in manifest.json (still read). 2: the file
 * list is a separate gzip NDJSON object (one `ManifestFile` per line, in path order) that
 * manifest.json points to with its sha256, so neither side ever holds it whole in memory.
 */
export const MANIFEST_FORMAT = 2;

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
  /** The stored copy: this generation's, or an earlier one's that a snapshot of files only carried over. */
  key: z.string().min(1),
  /** Of the uncompressed database, verified after download. */
  sha256,
  size,
  compressedSize: size,
  /**
   * data.db only: the newest transaction in the tenant's Litestream replica when this copy was
   * taken (the copy holds at least that much), and the replica lineage it was counted in (absent:
   * 0). A replica further ahead in the same lineage, or in a later one, is newer than this copy.
   */
  replicaTxid: size.optional(),
  replicaLineage: size.optional(),
});

export type SnapshotReason = (typeof snapshotReasons)[number];

const fileSchema = z.object({
  path: z.string().refine(isPersistedPath, "path must be a relative path under a persisted folder"),
  sha256,
  size,
  /** Permission bits only (0o777). */
  mode: z.number().int().min(0).max(0o777),
});

const header = {
  instanceId: z.string().min(1),
  generation: z.number().int().min(1),
  createdAt: z.iso.datetime(),
  databases: z.array(databaseSchema),
  reason: z.enum(snapshotReasons).optional(),
};

const manifestV1Schema = z.object({ format: z.literal(1), ...header, files: z.array(fileSchema) });

/** Where a format-2 manifest's file list is stored, and what it must hash to. */
const fileListSchema = z.object({
  key: z.string().min(1),
  /** Of the stored (gzip) object, verified while it is read. */
  sha256,
  compressedSize: size,
  count: size,
});

const manifestV2Schema = z.object({ format: z.literal(2), ...header, files: fileListSchema });

const manifestSchema = z.discriminatedUnion("format", [manifestV1Schema, manifestV2Schema]);

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestDatabase = z.infer<typeof databaseSchema>;
export type ManifestFile = z.infer<typeof fileSchema>;

/** Validates one line of a format-2 file list. */
export function parseManifestFile(value: unknown): ManifestFile {
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) throw new Error(`Invalid file in a snapshot manifest: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

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
