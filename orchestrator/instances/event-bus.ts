import { EventEmitter } from "node:events";
import type { Instance, InstanceEvent } from "../../lib/db/schema";

/** What the internal API streams to the dashboard. */
export type BusMessage =
  { type: "instance"; instance: Instance } | { type: "instance-deleted"; id: string; subdomain: string } | { type: "instance-event"; event: InstanceEvent };

/** In-process fan-out of instance changes; listeners must not throw. */
export type EventBus = ReturnType<typeof createEventBus>;

/** Creates the bus; one per orchestrator. */
export function createEventBus() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish(message: BusMessage): void {
      emitter.emit("message", message);
    },
    subscribe(listener: (message: BusMessage) => void): () => void {
      emitter.on("message", listener);
      return () => emitter.off("message", listener);
    },
  };
}
