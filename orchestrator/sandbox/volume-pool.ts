import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";
import { isCode } from "../sync/local-files";

/** Formatted images made ahead of need (see `createVolumePool`). */
export type VolumePool = {
  /** Moves a ready image of `bytes` to `dest`: false when none is ready (the caller makes one). */
  take(dest: string, bytes: number): Promise<boolean>;
  /** Makes images of `bytes` from now on (the size a new volume needs, once known). */
  keepReady(bytes: number): void;
  /** Resolves once no image is being made or waiting to be. */
  settled(): Promise<void>;
  /** Stops making images and waits for the one being made. */
  close(): Promise<void>;
};

export type VolumePoolOptions = {
  /** Ours alone, on the tenants' filesystem (an image is linked into a tenant's folder). */
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
 * start, a wake on a node without its local copy) is a link rather than a `mkfs.ext4`: 12-17 ms
 * of a wake from the store, a fork of the orchestrator included. Images are made one at a time,
 * a second after a take (or once a size is to be kept ready), and never reused once taken. When the size asked for changes (another
 * quota) the images of other sizes are deleted, so the pool stays bounded (instances with quotas
 * of their own, taking turns with the default, make their images at the start as without a pool);
 * what a crash left half made is deleted when the folder is first read.
 */
export function createVolumePool(opts: VolumePoolOptions): VolumePool {
  const delayMs = opts.delayMs ?? 1_000;
  let stock: Map<number, string[]> | undefined;
  let reading: Promise<Map<number, string[]>> | undefined;
  let wanted: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let filling: Promise<void> | undefined;
  let closed = false;

  const inventory = () =>
    (reading ??= readStock(opts.dir, opts.log).then(
      (read) => (stock = read),
      (err: unknown) => {
        reading = undefined; // read again at the next take
        throw err;
      },
    ));
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

  const want = (bytes: number) => {
    wanted = bytes;
    schedule();
  };

  /**
   * Links the image at `dest` and unlinks it here: unlike a rename, a link never replaces a file
   * already there. An image that cannot be linked stays in the pool, which turns itself off when
   * it is on another filesystem than the tenants.
   */
  const moveInto = async (file: string, dest: string, ready: string[]): Promise<boolean> => {
    try {
      await fs.link(file, dest);
    } catch (err) {
      ready.push(file);
      closed ||= isCode(err, "EXDEV") || isCode(err, "EPERM");
      opts.log.warn({ err, file, dest, off: closed }, "a ready volume image could not be moved into place; making one");
      return false;
    }
    await fs.unlink(file); // if this failed, the next read of the folder drops the image: it has two links
    return true;
  };

  return {
    async take(dest, bytes) {
      if (opts.size === 0 || closed) return false;
      let images: Map<number, string[]>;
      try {
        images = await inventory();
      } catch (err) {
        opts.log.warn({ err, dir: opts.dir }, "the volume pool could not be read; new volumes make their own");
        return false;
      }
      const ready = images.get(bytes) ?? [];
      const file = ready.pop(); // synchronous after the await: concurrent takes get different images
      want(bytes); // made again (after the pop: the pool is short by it now)
      return file !== undefined && moveInto(file, dest, ready);
    },
    keepReady: want,
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

/**
 * The complete images in `dir` by size. Anything else there is deleted: a crash's half-made image,
 * and an image with a second link, which a crash between moving it to a tenant and unlinking it
 * here left (never to be given to another tenant).
 */
async function readStock(dir: string, log: Logger): Promise<Map<number, string[]>> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stock = new Map<number, string[]>();
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    const size = IMAGE_NAME.exec(name)?.[1];
    if (size === undefined || (await fs.lstat(file)).nlink !== 1) {
      await fs.rm(file, { force: true }).catch((err: unknown) => log.warn({ err, file }, "could not delete a leftover in the volume pool"));
      continue;
    }
    const list = stock.get(Number(size)) ?? [];
    list.push(file);
    stock.set(Number(size), list);
  }
  return stock;
}
