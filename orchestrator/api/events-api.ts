import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { EventBus } from "../instances/event-bus";
import { eventJson, instanceJson } from "../../lib/instance-json";

/** `GET /v1/events`: Server-Sent Events of instance changes and lifecycle events. */
export function eventsApi({ bus, keepAliveMs = 15_000 }: { bus: EventBus; keepAliveMs?: number }) {
  return new Hono().get("/", (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = bus.subscribe((m) => {
        const data =
          m.type === "instance"
            ? JSON.stringify({ instance: instanceJson(m.instance) })
            : m.type === "instance-deleted"
              ? JSON.stringify({ id: m.id })
              : JSON.stringify({ event: eventJson(m.event) });
        void stream.writeSSE({ event: m.type, data });
      });
      stream.onAbort(unsubscribe);
      await stream.writeSSE({ event: "ready", data: "{}" });
      while (!stream.aborted) {
        await stream.sleep(keepAliveMs);
        if (!stream.aborted) await stream.write(": keep-alive\n\n");
      }
      unsubscribe();
    }),
  );
}
