import fs from "node:fs/promises";

/** Last `lines` lines of a tenant's captured log file (empty when it does not exist yet). */
export async function logFileTail(file: string, lines: number, maxBytes = 256 * 1024): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    if (length < size) all.shift(); // first line is probably cut
    return all.slice(-lines);
  } finally {
    await handle.close();
  }
}
