"use client";

import { useEffect, useRef, useState } from "react";
import type { InstanceView } from "@/lib/data/instances";
import type { InstanceEventJson } from "@/lib/orchestrator-client";

/** Handlers for the live stream of the user's instances. */
export type StreamHandlers = {
  onInstance?: (instance: InstanceView) => void;
  onEvent?: (event: InstanceEventJson) => void;
  onDeleted?: (id: string) => void;
  /** Called when the stream comes back after a drop: refetch, since changes may have been missed. */
  onResync?: () => void;
};

/** Subscribes to /api/instances/events; returns whether live updates are connected. */
export function useInstanceStream(handlers: StreamHandlers): boolean {
  const ref = useRef(handlers);
  const [live, setLive] = useState(false);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const source = new EventSource("/api/instances/events");
    let connectedBefore = false;
    source.addEventListener("ready", () => {
      setLive(true);
      if (connectedBefore) ref.current.onResync?.();
      connectedBefore = true;
    });
    source.addEventListener("unavailable", () => setLive(false));
    source.addEventListener("error", () => setLive(false));
    source.addEventListener("instance", (e) => {
      const { instance } = JSON.parse((e as MessageEvent<string>).data) as { instance: InstanceView };
      ref.current.onInstance?.(instance);
    });
    source.addEventListener("instance-event", (e) => {
      const { event } = JSON.parse((e as MessageEvent<string>).data) as { event: InstanceEventJson };
      ref.current.onEvent?.(event);
    });
    source.addEventListener("instance-deleted", (e) => {
      const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: string };
      ref.current.onDeleted?.(id);
    });
    return () => source.close();
  }, []);
  return live;
}
