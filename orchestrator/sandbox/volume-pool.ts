import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";

/** Formatted images made ahead of need (see `createVolumePool`). */
export type VolumePool = {
  /** Moves a ready image of `bytes` to `dest`: false when none is ready (the caller makes one). */
  take(dest: string, bytes: number): Promise<boolean>;
  /** Resolves once no image is being made or waiting to be. */
  settled(): Promise<void>;
  /** Stops making images and waits for the one being made. */
  close(): Promise<void>;
};

export type VolumePoolOptions = {
  /** Ours alone, on the tenants' filesystem (a rename moves an image into a tenant's folder). */
  dir: string;
  /** Images kept ready; 0 turns the pool off. */
  size: number;
  /** How long after a take the pool starts making the next image: not while that tenant starts (default 1 s). */
  delayMs?: number;
  log: Logger;
  /** Makes a formatted image of `bytes` at `file` (complete once there: written aside, then renamed). */
  makeImage(file: string, bytes: number): Promise<void>;
};

/** `<bytes>-<random>.img`: the size an image was made for is in its name. */
const IMAGE_NAME = /^(\d+)-[0-9a-f]{16}\.img$/;

/**
 * Keeps `size` formatted images of the size last asked for, so a new volume (an instance's first
 * start, a wake on a node without its local copy) is a rename rather than a `mkfs.ext4`: 12-17 ms
 * of a wake from the store, a fork of the orchestrator included. Images are made one at a time,
 * a second after a take, and never reused once taken. When the size asked for changes (another
 * quota) the images of other sizes are deleted, so the pool stays bounded; what a crash left half
 * made, or of a size no longer asked for, is deleted when the folder is first read.
 */
export function createVolumePool(opts: VolumePoolOptions): VolumePool {
  const delayMs = opts.delayMs ?? 1_000;
  let stock: Map<number, string[]> | undefined;
  let reading: Promise<Map<number, string[]>> | undefined;
  let wanted: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let filling: Promise<void> | undefined;
  let closed = false;

  const inventory = () => (reading ??= readStock(opts.dir, opts.log).then((read) => (stock = read)));
  const short = () => wanted !== undefined && (stock?.get(wanted)?.length ?? 0) < opts.size;

  const fill = async (): Promise<void> => {
    const images = await inventory();
    const size = wanted;
    if (size === undefined) return;
    for (const [other, files] of images) {
      if (other === size) continue;
      images.delete(other);
      for (const file of files) await fs.rm(file, { force: true });
    }
    const ready = images.get(size) ?? [];
    images.set(size, ready);
    while (!closed && wanted === size && ready.length < opts.size) {
      const file = path.join(opts.dir, `${size}-${randomBytes(8).toString("hex")}.img`);
      await opts.makeImage(file, size);
      ready.push(file);
    }
  };

  const schedule = () => {
    if (closed || timer || filling || !short()) return;
    timer = setTimeout(() => {
      timer = undefined;
      filling = fill().then(
        () => {
          filling = undefined;
          schedule(); // a take while the last image was being made
        },
        (err: unknown) => {
          filling = undefined; // tried again at the next take, not in a loop (a full disk)
          opts.log.warn({ err }, "making a volume image ahead failed; new volumes make their own");
        },
      );
    }, delayMs);
    timer.unref();
  };

  return {
    async take(dest, bytes) {
      if (opts.size === 0 || closed) return false;
      const images = await inventory();
      wanted = bytes;
      const file = images.get(bytes)?.pop(); // synchronous after the await: concurrent takes get different images
      schedule();
      if (file === undefined) return false;
      try {
        await fs.rename(file, dest);
        return true;
      } catch (err) {
        opts.log.warn({ err, file }, "a ready volume image could not be moved into place; making one");
        await fs.rm(file, { force: true });
        return false;
      }
    },
    async settled() {
      while (timer || filling) await (filling ?? new Promise((resolve) => setTimeout(resolve, delayMs)));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await filling;
    },
  };
}

/** The complete images in `dir` by size; anything else there (a crash's half-made image) is deleted. */
async function readStock(dir: string, log: Logger): Promise<Map<number, string[]>> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stock = new Map<number, string[]>();
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    const size = IMAGE_NAME.exec(name)?.[1];
    if (size === undefined) {
      await fs.rm(file, { force: true }).catch((err: unknown) => log.warn({ err, file }, "could not delete a leftover in the volume pool"));
      continue;
    }
    const list = stock.get(Number(size)) ?? [];
    list.push(file);
    stock.set(Number(size), list);
  }
  return stock;
}
