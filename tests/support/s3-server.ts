import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { execa, type ResultPromise } from "execa";
import type { S3StorageConfig } from "../../orchestrator/storage/s3-storage";
import getPort from "get-port";
import { tools } from "./tools";
import { waitForHttp } from "./wait";

/** The region every request names (versitygw accepts any). */
const REGION = "us-east-1";

/** A real S3-compatible server (versitygw over a temp directory), restartable on the same port. */
export type S3Server = {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for the orchestrator to use this server as its object store. */
  env: Record<string, string>;
  /** The same as a storage config, for `createS3Storage` in a test's own process. */
  storage: S3StorageConfig;
  client: () => S3Client;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
  dispose: () => Promise<void>;
};

/** Starts versitygw with one bucket; the data directory survives `stop`/`restart`. */
export async function startS3Server(bucket = "picobase-test"): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-s3-"));
  const port = await getPort();
  const accessKeyId = "picobase-test-access";
  const secretAccessKey = "picobase-test-secret-0123456789";
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ResultPromise | undefined;

  const start = async () => {
    child = execa(tools.versitygw, ["--access", accessKeyId, "--secret", secretAccessKey, "--port", `127.0.0.1:${port}`, "posix", dir], {
      reject: false,
      stdio: "ignore",
    });
    await waitForHttp(endpoint);
  };
  const stop = async () => {
    child?.kill("SIGKILL");
    await child;
    child = undefined;
  };
  const client = () => new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });

  await start();
  await client().send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    region: REGION,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: {
      S3_ENDPOINT: endpoint,
      S3_REGION: REGION,
      S3_FORCE_PATH_STYLE: "true",
      R2_BUCKET_NAME: bucket,
      R2_ACCESS_KEY_ID: accessKeyId,
      R2_SECRET_ACCESS_KEY: secretAccessKey,
    },
    storage: { driver: "s3", endpoint, region: REGION, bucket, accessKeyId, secretAccessKey, forcePathStyle: true },
    client,
    stop,
    restart: start,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
