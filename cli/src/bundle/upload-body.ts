import fs from "node:fs/promises";

const chunkBytes = 64 * 1024;

/**
 * A file as a streamed request body, reporting the bytes handed to fetch so far. The stream
 * buffers at most one chunk ahead, so that count follows what was actually sent.
 */
export async function fileBody(file: string, onProgress: (sentBytes: number) => void): Promise<ReadableStream<Uint8Array>> {
  const handle = await fs.open(file, "r");
  let sent = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(chunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        sent += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
        onProgress(sent);
      } catch (err) {
        await close();
        controller.error(err);
      }
    },
    cancel: close,
  });
}
