import { BadRequestError, PayloadTooLargeError } from "./errors";

/** The largest JSON body the platform API reads (a create or sign-up body is well under 1 KB). */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads a request body into memory, never more than `limitBytes`: a Content-Length over the limit
 * is refused before anything is read, and a body without one (chunked) is refused as soon as the
 * bytes read pass the limit. The rest stays unread; the 413 response closes the connection.
 */
export async function readBodyBytes(req: Request, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    // No cancel(): cancelling destroys the socket, and the client should still get its 413.
    if (total > limitBytes) throw new PayloadTooLargeError(limitBytes);
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Reads and parses a JSON body within `limitBytes`: 413 when larger, 400 when not JSON. */
export async function readJsonBody(req: Request, limitBytes = JSON_BODY_LIMIT_BYTES): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyBytes(req, limitBytes));
  try {
    return JSON.parse(text);
  } catch {
    // The parser's own message is noise for API users; the status and this sentence say it all.
    throw new BadRequestError("Request body must be valid JSON.");
  }
}
