"use client";

import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import type { InstanceView } from "@/lib/data/instances";

/** Which action is in flight on the instance page. */
export type PendingAction = "start" | "stop" | "admin" | null;

/** Start/stop/open-admin calls with pending state and toasts. */
export function useInstanceActions(instance: InstanceView, onChange: (i: InstanceView) => void) {
  const [pending, setPending] = useState<PendingAction>(null);

  const lifecycle = async (action: "start" | "stop") => {
    setPending(action);
    try {
      const { instance: next } = await apiFetch<{ instance: InstanceView }>(`/api/instances/${instance.id}/${action}`, { method: "POST" });
      onChange(next);
      toast.message(action === "start" ? "Starting instance…" : "Stopping instance…");
    } catch (err) {
      toast.error((err as Error).message);
    } finally {
      setPending(null);
    }
  };

  const openAdmin = async () => {
    // Open the tab synchronously (popup blockers), then point it at the one-time URL.
    const tab = window.open("about:blank", "_blank");
    setPending("admin");
    try {
      const { url } = await apiFetch<{ url: string }>(`/api/instances/${instance.id}/sso`, { method: "POST" });
      if (tab) tab.location.href = url;
      else window.location.assign(url);
    } catch (err) {
      tab?.close();
      toast.error((err as Error).message);
    } finally {
      setPending(null);
    }
  };

  return { pending, start: () => lifecycle("start"), stop: () => lifecycle("stop"), openAdmin };
}
