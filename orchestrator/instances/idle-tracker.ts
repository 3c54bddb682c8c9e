/** Tracks request activity and open long-lived connections per instance, for idle stops. */
export type IdleTracker = ReturnType<typeof createIdleTracker>;

/** Creates a tracker; `now` is injectable for tests. */
export function createIdleTracker(now: () => number = Date.now) {
  const lastSeen = new Map<string, number>();
  const open = new Map<string, number>();
  return {
    activity(id: string, kind: "request" | "open" | "close"): void {
      lastSeen.set(id, now());
      if (kind === "open") open.set(id, (open.get(id) ?? 0) + 1);
      if (kind === "close") open.set(id, Math.max(0, (open.get(id) ?? 0) - 1));
    },
    /** Milliseconds since the last activity; 0 while a connection is open or nothing was seen yet. */
    idleFor(id: string): number {
      if ((open.get(id) ?? 0) > 0) return 0;
      const seen = lastSeen.get(id);
      return seen === undefined ? 0 : now() - seen;
    },
    /** Starts the idle clock (an instance that nobody calls still stops after the timeout). */
    reset(id: string): void {
      lastSeen.set(id, now());
    },
    forget(id: string): void {
      lastSeen.delete(id);
      open.delete(id);
    },
  };
}
