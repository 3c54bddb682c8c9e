import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { StorageConfig } from "../config";
import { assertValidKey, assertValidPrefix } from "./object-key";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStorage } from "./object-storage";

export type S3StorageConfig = Extract<StorageConfig, { driver: "s3" }>;

/** Multipart tuning; the defaults were picked with bench/stop-upload.ts. */
export type S3Tuning = { partSizeBytes: number; queueSize: number; maxSockets: number };

const defaultTuning: S3Tuning = { partSizeBytes: 8 * 1024 * 1024, queueSize: 4, maxSockets: 32 };

/** S3 allows at most this many keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/** Object storage on any S3-compatible service (Cloudflare R2 in production, versitygw in tests). */
export function createS3Storage(cfg: S3StorageConfig, tuning: Partial<S3Tuning> = {}): ObjectStorage {
  const { partSizeBytes, queueSize, maxSockets } = { ...defaultTuning, ...tuning };
  const client = createClient(cfg, maxSockets);
  const Bucket = cfg.bucket;

  return {
    async put(key, body, options = {}) {
      assertValidKey(key);
      const params = { Bucket, Key: key, Body: body, ContentType: options.contentType };
      if (Buffer.isBuffer(body) && body.length <= partSizeBytes) {
        await client.send(new PutObjectCommand({ ...params, ContentLength: body.length }));
        return;
      }
      // Streams of unknown length: Upload buffers parts and sends `queueSize` of them in parallel.
      await new Upload({ client, params, partSize: partSizeBytes, queueSize }).done();
    },

    async get(key) {
      assertValidKey(key);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!(res.Body instanceof Readable)) throw new Error(`S3 GetObject for ${key} returned no Node stream`);
        return res.Body;
      } catch (err) {
        if (isNotFound(err)) throw new ObjectNotFoundError(key);
        throw err;
      }
    },

    async exists(key) {
      assertValidKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    list(prefix) {
      assertValidPrefix(prefix);
      return listObjects(client, Bucket, prefix);
    },

    async deletePrefix(prefix) {
      assertValidPrefix(prefix);
      let deleted = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await deleteBatch(client, Bucket, batch);
        deleted += batch.length;
        batch = [];
      };
      for await (const { key } of listObjects(client, Bucket, prefix)) {
        batch.push(key);
        if (batch.length === DELETE_BATCH) await flush();
      }
      await flush();
      return deleted;
    },
  };
}

function createClient(cfg: S3StorageConfig, maxSockets: number): S3Client {
  return new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    forcePathStyle: cfg.forcePathStyle,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    // R2 rejects the SDK's default CRC32 checksums on some operations; only send them when required.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      connectionTimeout: 5_000,
    },
  });
}

async function* listObjects(client: S3Client, Bucket: string, prefix: string): AsyncGenerator<ObjectInfo> {
  for await (const page of paginateListObjectsV2({ client }, { Bucket, Prefix: prefix })) {
    for (const item of page.Contents ?? []) {
      if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0 };
    }
  }
}

async function deleteBatch(client: S3Client, Bucket: string, keys: string[]): Promise<void> {
  const res = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
  const failed = (res.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
  if (failed.length > 0) {
    const first = failed[0];
    throw new Error(`S3 DeleteObjects failed for ${failed.length} key(s), first ${first?.Key}: ${first?.Code} ${first?.Message}`);
  }
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata.httpStatusCode === 404;
}
