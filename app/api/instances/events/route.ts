import { webConfig } from "@/lib/env";
import { getDb, getEventHub, type Actor } from "@/lib/data/context";
import { instanceView, listInstances } from "@/lib/data/instances";
import type { OrchestratorMessage } from "@/lib/orchestrator-client";
import { requireSessionUser } from "../../_lib/access";
import { route } from "../../_lib/handler";

export const dynamic = "force-dynamic";

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/instances/events: Server-Sent Events for the signed-in user's instances only. All
 * browsers share one orchestrator stream (lib/data/event-hub.ts); each gets what its user owns.
 */
export const GET = route(async (req) => {
  const user = await requireSessionUser(req);
  const owned = new Set((await listInstances(await getDb(), user)).map((i) => i.id));
  const encoder = new TextEncoder();
  let closed = false;
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        // After the browser disconnects the stream is closed; late writes have nowhere to go.
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const event = (name: string, data: unknown) => send(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      send("retry: 3000\n\n");
      const end = () => {
        if (closed) return;
        cleanup();
        controller.close();
      };
      const keepAlive = setInterval(() => {
        send(": keep-alive\n\n");
        // A stream must not outlive its session (sign-out, password change): re-checked every beat.
        requireSessionUser(req).catch(end);
      }, KEEP_ALIVE_MS);
      const unsubscribe = getEventHub().subscribe({
        ready: () => event("ready", {}),
        message: (m) => {
          const out = filterMessage(user, owned, m);
          if (out) event(out.event, out.data);
        },
        end: (err) => {
          if (closed) return;
          if (err) console.error(JSON.stringify({ msg: "orchestrator event stream ended", err: String(err) }));
          event("unavailable", { message: "Live updates paused; reconnecting." });
          // Closing lets EventSource reconnect (after `retry`) and the page resync.
          end();
        },
      });
      cleanup = () => {
        closed = true;
        clearInterval(keepAlive);
        unsubscribe();
      };
      req.signal.addEventListener("abort", () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store, no-transform", "x-accel-buffering": "no" },
  });
});

/** Keeps only messages about the user's instances, adding public URLs to instances. */
function filterMessage(user: Actor, owned: Set<string>, m: OrchestratorMessage): { event: string; data: unknown } | null {
  if (m.type === "instance") {
    if (m.instance.ownerId !== user.id) return null;
    owned.add(m.instance.id);
    return { event: "instance", data: { instance: instanceView(m.instance, webConfig().publicUrl) } };
  }
  if (m.type === "instance-deleted") {
    if (!owned.delete(m.id)) return null;
    return { event: "instance-deleted", data: { id: m.id } };
  }
  if (!owned.has(m.event.instanceId)) return null;
  return { event: "instance-event", data: { event: m.event } };
}
