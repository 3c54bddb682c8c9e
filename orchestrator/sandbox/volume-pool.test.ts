import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger";
import { createVolumePool, type VolumePool } from "./volume-pool";

/**
 * The pool's bookkeeping, with images that are plain files named by their maker (the real
 * `mkfs.ext4` image is covered by tests/volumes.test.ts, which mounts one).
 */
describe("volume pool", () => {
  let dir: string;
  let made: string[];
  let failing: boolean;
  const pools: VolumePool[] = [];

  let gate: Promise<void> | undefined;
  let started: number;
  const makeImage = async (file: string, bytes: number) => {
    started++;
    await gate;
    if (failing) throw new Error("mkfs.ext4: No space left on device");
    made.push(file);
    fs.writeFileSync(`${file}.new`, `image ${made.length} of ${bytes} bytes`);
    fs.renameSync(`${file}.new`, file);
  };
  const open = (size = 2) => {
    const pool = createVolumePool({ dir: path.join(dir, "pool"), size, delayMs: 0, log: createLogger("silent"), makeImage });
    pools.push(pool);
    return pool;
  };
  const pooled = () => fs.readdirSync(path.join(dir, "pool")).sort();
  const dest = (name: string) => path.join(dir, name);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-volume-pool-"));
    made = [];
    failing = false;
    gate = undefined;
    started = 0;
  });
  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers false while empty, then keeps images of the size asked for ready and moves one into place per take", async () => {
    const pool = open();
    expect(await pool.take(dest("a.img"), 100)).toBe(false);
    await pool.settled();
    expect(pooled()).toHaveLength(2);
    expect(pooled().every((name) => name.startsWith("100-"))).toBe(true);

    expect(await pool.take(dest("b.img"), 100)).toBe(true);
    expect(fs.readFileSync(dest("b.img"), "utf8")).toMatch(/^image [12] of 100 bytes$/);
    await pool.settled();
    expect(pooled()).toHaveLength(2); // made again
    expect(made).toHaveLength(3);
  });

  it("gives concurrent takes different images", async () => {
    const pool = open();
    await pool.take(dest("first.img"), 100);
    await pool.settled();
    const taken = await Promise.all(["x", "y", "z"].map((name) => pool.take(dest(`${name}.img`), 100)));
    expect(taken.filter(Boolean)).toHaveLength(2); // two ready, the third makes its own
    const contents = ["x", "y", "z"].filter((_, i) => taken[i]).map((name) => fs.readFileSync(dest(`${name}.img`), "utf8"));
    expect(new Set(contents).size).toBe(2);
  });

  it("deletes the images of another size once a new size is asked for", async () => {
    const pool = open();
    await pool.take(dest("a.img"), 100);
    await pool.settled();
    expect(await pool.take(dest("b.img"), 200)).toBe(false);
    await pool.settled();
    expect(pooled()).toHaveLength(2);
    expect(pooled().every((name) => name.startsWith("200-"))).toBe(true);
  });

  it("reuses the complete images a previous process left and deletes what a crash left half made", async () => {
    const first = open();
    await first.take(dest("a.img"), 100);
    await first.settled();
    await first.close();
    fs.writeFileSync(path.join(dir, "pool", "100-0123456789abcdef.img.new"), "half made");
    fs.writeFileSync(path.join(dir, "pool", "stray"), "not ours");

    const second = open();
    made = [];
    expect(await second.take(dest("b.img"), 100)).toBe(true);
    expect(fs.existsSync(path.join(dir, "pool", "stray"))).toBe(false);
    expect(pooled().some((name) => name.endsWith(".new"))).toBe(false);
    await second.settled();
    expect(made).toHaveLength(1); // only the one taken is made again
  });

  it("makes images of a size it is told to keep ready before any take", async () => {
    const pool = open();
    pool.keepReady(300);
    await pool.settled();
    expect(pooled().filter((name) => name.startsWith("300-"))).toHaveLength(2);
    expect(await pool.take(dest("a.img"), 300)).toBe(true);
  });

  it("waits at close for the image being made, and makes none after it", async () => {
    let open_: () => void = () => undefined;
    gate = new Promise((resolve) => (open_ = resolve));
    const pool = open();
    pool.keepReady(100);
    await vi.waitFor(() => expect(started).toBe(1)); // an image is being made
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false); // the mkfs in flight is waited for
    open_();
    await closing;
    expect(made).toHaveLength(1); // the one in flight, no second
    expect(started).toBe(1);
    expect(await pool.take(dest("a.img"), 100)).toBe(false);
  });

  it("never gives out an image that has a second link (a crash between moving it and unlinking it here)", async () => {
    const first = open(1);
    first.keepReady(100);
    await first.settled();
    await first.close();
    const [linked = ""] = pooled();
    fs.linkSync(path.join(dir, "pool", linked), dest("tenant-volume.img"));

    const second = open(1);
    expect(await second.take(dest("b.img"), 100)).toBe(false);
    expect(fs.existsSync(dest("b.img"))).toBe(false);
    expect(pooled()).not.toContain(linked);
  });

  it("keeps an image it cannot move (the destination exists) and never replaces what is there", async () => {
    const pool = open(1);
    pool.keepReady(100);
    await pool.settled();
    fs.writeFileSync(dest("taken.img"), "a tenant's volume");
    expect(await pool.take(dest("taken.img"), 100)).toBe(false);
    expect(fs.readFileSync(dest("taken.img"), "utf8")).toBe("a tenant's volume");
    expect(await pool.take(dest("free.img"), 100)).toBe(true);
    expect(fs.readFileSync(dest("free.img"), "utf8")).toBe("image 1 of 100 bytes"); // the same image, kept for the next take
  });

  it("answers false while its folder cannot be read, and works once it can", async () => {
    fs.writeFileSync(path.join(dir, "pool"), "not a folder");
    const pool = open();
    expect(await pool.take(dest("a.img"), 100)).toBe(false);
    fs.rmSync(path.join(dir, "pool"));
    expect(await pool.take(dest("b.img"), 100)).toBe(false);
    await pool.settled();
    expect(await pool.take(dest("c.img"), 100)).toBe(true);
  });

  it("makes nothing once closed, and nothing at all with a size of 0", async () => {
    const closed = open();
    await closed.close();
    expect(await closed.take(dest("a.img"), 100)).toBe(false);
    const off = open(0);
    expect(await off.take(dest("b.img"), 100)).toBe(false);
    await off.settled();
    expect(made).toEqual([]);
  });

  it("survives an image that cannot be made: the take answers false and a later take tries again", async () => {
    const pool = open();
    failing = true;
    expect(await pool.take(dest("a.img"), 100)).toBe(false);
    await pool.settled();
    expect(pooled()).toEqual([]);
    failing = false;
    expect(await pool.take(dest("b.img"), 100)).toBe(false);
    await pool.settled();
    expect(pooled()).toHaveLength(2);
  });
});
