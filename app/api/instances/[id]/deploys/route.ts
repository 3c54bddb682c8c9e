import { getOrchestrator } from "@/lib/data/context";
import { apiKeyPrefix } from "@/lib/api-keys";
import { webConfig } from "@/lib/env";
import { BadRequestError, PayloadTooLargeError } from "@/lib/errors";
import type { Caller } from "@/lib/auth/request-auth";
import { accessInstance } from "../../../_lib/access";
import { json, route } from "../../../_lib/handler";

/** Who a deploy's history names: the user (and how they called), or the instance API key. */
function authorOf(caller: Caller): { label: string; userId: string | null } {
  if (caller.kind === "key") return { label: `API key ${apiKeyPrefix(caller.keyId)}`, userId: null };
  return { label: caller.via === "token" ? `${caller.user.email} (token)` : caller.user.email, userId: caller.user.id };
}

/** Passes a body on, failing it (and remembering so) once more than `limit` bytes went through. */
function limitStream(body: ReadableStream<Uint8Array>, limit: number): { stream: ReadableStream<Uint8Array>; exceeded: () => boolean } {
  let seen = 0;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) controller.error(new PayloadTooLargeError(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  return { stream, exceeded: () => seen > limit };
}

/** GET /api/instances/:id/deploys: newest first (owner, account token or the instance's API key). */
export const GET = route<{ id: string }>(async (req, { id }) => {
  await accessInstance(req, id, true);
  return json({ deploys: await getOrchestrator().deploys(id) });
});

/**
 * POST /api/instances/:id/deploys: the body is the bundle (tar.gz or zip), streamed on to the
 * orchestrator, which checks it in full before storing anything. 202 once stored.
 */
export const POST = route<{ id: string }>(async (req, { id }) => {
  const { caller } = await accessInstance(req, id, true);
  if (!req.body) throw new BadRequestError("Send the bundle (a .tar.gz or .zip) as the request body.");
  // Refused here, unread, when it says it is too large; the orchestrator counts every byte of the rest.
  if (Number(req.headers.get("content-length") ?? 0) > webConfig().deployMaxBytes) throw new PayloadTooLargeError(webConfig().deployMaxBytes);
  const limited = limitStream(req.body, webConfig().deployMaxBytes);
  const upload = { body: limited.stream, contentType: req.headers.get("content-type") ?? "", contentLength: req.headers.get("content-length") };
  try {
    return json({ deploy: await getOrchestrator().deploy(id, upload, authorOf(caller)) }, 202);
  } catch (err) {
    if (limited.exceeded()) throw new PayloadTooLargeError(webConfig().deployMaxBytes);
    throw err;
  }
});
