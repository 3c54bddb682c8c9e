"use client";

import { useEffect, useRef, useState } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { InstanceJson } from "@/lib/orchestrator-client";

/** The tail of the PocketBase log, refreshed every few seconds while the page is visible. */
export function LogTail({ instanceId, status }: { instanceId: string; status: InstanceJson["status"] }) {
  const [lines, setLines] = useState<string[] | null>(null);
  const [error, setError] = useState<string>();
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      if (document.hidden) return;
      try {
        const res = await fetch(`/api/instances/${instanceId}/logs?lines=200`);
        const body = (await res.json()) as { lines?: string[]; error?: { message: string } };
        if (stopped) return;
        if (body.lines) {
          setLines(body.lines);
          setError(undefined);
        } else setError(body.error?.message ?? "Logs are unavailable right now.");
      } catch (err) {
        if (!stopped) setError(`Logs are unavailable right now (${(err as Error).message}).`);
      }
    };
    void load();
    const timer = setInterval(load, status === "running" || status === "starting" ? 3000 : 15000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [instanceId, status]);

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <Card>
      <CardHeader>
        <CardTitle>Logs</CardTitle>
        <CardDescription>Live tail of the PocketBase process output.</CardDescription>
      </CardHeader>
      <CardContent>
        {error ? <p className="mb-2 text-sm text-amber-700">{error}</p> : null}
        <pre ref={box} className="h-64 overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-relaxed text-slate-100" data-testid="logs">
          {lines === null ? "Loading…" : lines.length === 0 ? "No log output yet." : lines.join("\n")}
        </pre>
      </CardContent>
    </Card>
  );
}
