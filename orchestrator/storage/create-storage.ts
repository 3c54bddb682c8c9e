import type { StorageConfig } from "../config";
import { createLocalStorage } from "./local-storage";
import type { ObjectStorage } from "./object-storage";
import { createS3Storage } from "./s3-storage";

/** The configured object store: a local directory by default, S3/R2 when credentials are set. */
export function createStorage(cfg: StorageConfig): ObjectStorage {
  switch (cfg.driver) {
    case "local":
      return createLocalStorage(cfg.root);
    case "s3":
      return createS3Storage(cfg);
  }
}
