"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/shared/api";
import type { DeployJson } from "@/lib/orchestrator-client";

const POLL_MS = 2000;

/** Whether a deploy is still on its way to live (or to failing). */
export function isInProgress(d: DeployJson): boolean {
  return d.status === "pending" || d.status === "deploying";
}

/**
 * An instance's deploy history, newest first. Reloaded whenever `signal` changes (a deploy event
 * or a state change from the live stream) and, in case the stream is down, every 2 s while a
 * deploy is being applied: one deploying, or one pending on an instance that should be running.
 */
export function useDeploys(instanceId: string, signal: string, wantsRunning: boolean) {
  const [deploys, setDeploys] = useState<DeployJson[] | null>(null);
  const [error, setError] = useState<string>();
  const latest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latest.current;
    try {
      const { deploys: list } = await apiFetch<{ deploys: DeployJson[] }>(`/api/instances/${instanceId}/deploys`);
      if (request !== latest.current) return; // a newer load answers instead
      setDeploys(list);
      setError(undefined);
    } catch (err) {
      if (request === latest.current) setError((err as Error).message);
    }
  }, [instanceId]);

  useEffect(() => {
    void load();
  }, [load, signal]);

  const applying = (deploys ?? []).some((d) => d.status === "deploying" || (d.status === "pending" && wantsRunning));
  useEffect(() => {
    if (!applying) return;
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [applying, load]);

  return { deploys, error, reload: load };
}
