import type { Readable } from "node:stream";

/**
 * Reads and drops the rest of a stream, up to `limit` bytes (then it is destroyed): a refused
 * upload is read before the answer, so the caller, still sending, gets the answer rather than a reset.
 */
export async function drain(stream: Readable, limit: number): Promise<void> {
  let seen = 0;
  try {
    for await (const chunk of stream) {
      seen += (chunk as Buffer).length;
      if (seen > limit) return void stream.destroy();
    }
  } catch {
    // the sender went away: nothing left to drain
  }
}
