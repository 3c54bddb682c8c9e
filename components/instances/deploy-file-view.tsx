"use client";

import { useEffect, useState } from "react";
import { ApiError, apiFetchBytes } from "@/components/shared/api";
import { Skeleton } from "@/components/ui/skeleton";
import type { DeployFileJson } from "@/lib/orchestrator-client";
import { formatBytes } from "@/lib/utils";

/** The files endpoint's limit (docs/api.md): larger files are never fetched. */
const MAX_SHOWN_BYTES = 1024 * 1024;

type Content = { kind: "loading" } | { kind: "text"; text: string } | { kind: "hidden"; reason: string } | { kind: "error"; message: string };

/** The URL of one file of a deploy; each path segment encoded on its own. */
function deployFileUrl(instanceId: string, deployId: string, filePath: string): string {
  return `/api/instances/${instanceId}/deploys/${deployId}/files/${filePath.split("/").map(encodeURIComponent).join("/")}`;
}

/** UTF-8 text, or null for what looks binary (a NUL byte, or bytes that are not UTF-8). */
function decodeText(bytes: ArrayBuffer): string | null {
  const view = new Uint8Array(bytes);
  if (view.subarray(0, 8192).includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(view);
  } catch {
    return null; // not UTF-8: treated as binary
  }
}

async function loadContent(url: string, size: number): Promise<Content> {
  const tooLarge = { kind: "hidden", reason: `Too large to show (${formatBytes(size)}): not shown.` } as const;
  if (size > MAX_SHOWN_BYTES) return tooLarge;
  try {
    const text = decodeText(await apiFetchBytes(url));
    return text === null ? { kind: "hidden", reason: "Binary file: not shown." } : { kind: "text", text };
  } catch (err) {
    if (err instanceof ApiError && err.status === 413) return tooLarge;
    return { kind: "error", message: (err as Error).message };
  }
}

/** One file of a deploy as plain text with line numbers (never rendered as HTML); binary and large files are not shown. */
export function DeployFileView({ instanceId, deployId, file }: { instanceId: string; deployId: string; file: DeployFileJson }) {
  const url = deployFileUrl(instanceId, deployId, file.path);
  const [loaded, setLoaded] = useState<{ url: string; content: Content }>();
  useEffect(() => {
    let current = true;
    void loadContent(url, file.size).then((content) => {
      if (current) setLoaded({ url, content });
    });
    return () => {
      current = false;
    };
  }, [url, file.size]);

  const content: Content = loaded?.url === url ? loaded.content : { kind: "loading" };
  if (content.kind === "loading") return <Skeleton className="h-64 w-full" aria-label={`Loading ${file.path}`} />;
  if (content.kind === "hidden") return <p className="rounded-md border border-dashed p-6 text-center text-sm text-muted-foreground">{content.reason}</p>;
  if (content.kind === "error") {
    return (
      <p className="text-sm text-amber-700" role="alert">
        Could not load {file.path}: {content.message}
      </p>
    );
  }
  const lines = content.text.replace(/\n$/, "").split("\n");
  const numbers = lines.map((_, i) => i + 1).join("\n");
  return (
    <div className="flex max-h-[60vh] overflow-auto rounded-md bg-slate-950 font-mono text-xs leading-relaxed text-slate-100">
      <pre className="select-none border-r border-slate-800 px-3 py-3 text-right text-slate-500" aria-hidden>
        {numbers}
      </pre>
      <pre className="flex-1 px-3 py-3" data-testid="deploy-file-text">
        {content.text}
      </pre>
    </div>
  );
}
