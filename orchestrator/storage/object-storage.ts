import type { Readable } from "node:stream";

/** One stored object as listed. */
export type ObjectInfo = { key: string; size: number };

/**
 * The object store every driver implements (local directory, S3/R2). Keys are `/`-separated
 * relative paths such as `tenants/<id>/snapshots/<generation>/manifest.json`.
 */
export interface ObjectStorage {
  /** Stores `body` under `key`, replacing any previous object; large bodies stream (multipart on S3). */
  put(key: string, body: Buffer | Readable, options?: { contentLength?: number; contentType?: string }): Promise<void>;
  /** Streams an object's bytes; rejects with `ObjectNotFoundError` when absent. */
  get(key: string): Promise<Readable>;
  /** Whether `key` exists. */
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}

/** Raised by `get` for a missing key, whatever the driver. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Object not found: ${key}`);
    this.name = "ObjectNotFoundError";
  }
}
