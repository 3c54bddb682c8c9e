"use client";

import { KeyRound } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { ApiKeyView } from "@/lib/data/api-keys";
import { formatRelative } from "@/lib/utils";
import { CreateApiKeyDialog } from "./create-api-key-dialog";
import { useNow } from "@/components/shared/use-now";
import { RevokeApiKeyDialog } from "./revoke-api-key-dialog";

/** API keys of an instance: create (secret shown once), list, revoke. */
export function ApiKeysSection({ instanceId, initialKeys }: { instanceId: string; initialKeys: ApiKeyView[] }) {
  const [keys, setKeys] = useState(initialKeys);
  const now = useNow();

  const revoke = async (key: ApiKeyView) => {
    await apiFetch(`/api/instances/${instanceId}/keys/${key.id}`, { method: "DELETE" });
    setKeys((list) => list.map((k) => (k.id === key.id ? { ...k, revokedAt: new Date().toISOString() } : k)));
    toast.success(`Revoked ${key.name}`);
  };

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>API keys</CardTitle>
          <CardDescription>Send as <code className="font-mono">Authorization: Bearer pbk_…</code> to act as superuser on this instance, or to start/stop it.</CardDescription>
        </div>
        <CreateApiKeyDialog instanceId={instanceId} onCreated={(k) => setKeys((list) => [k, ...list])} />
      </CardHeader>
      <CardContent>
        {keys.length === 0 ? (
          <div className="grid place-items-center gap-2 rounded-lg border border-dashed px-4 py-8 text-center">
            <KeyRound className="size-6 text-muted-foreground" aria-hidden />
            <p className="text-sm text-muted-foreground">No API keys yet.</p>
          </div>
        ) : (
          <ul className="divide-y rounded-lg border" data-testid="api-keys">
            {keys.map((k) => (
              <ApiKeyRow key={k.id} apiKey={k} now={now} onRevoke={() => revoke(k)} />
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function ApiKeyRow({ apiKey: k, now, onRevoke }: { apiKey: ApiKeyView; now: number; onRevoke: () => Promise<void> }) {
  return (
    <li className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid="api-key-row">
      <div className="min-w-0 flex-1">
        <div className="flex items-center gap-2">
          <span className="font-medium">{k.name}</span>
          {k.revokedAt ? <span className="rounded bg-muted px-1.5 text-xs text-muted-foreground">revoked</span> : null}
        </div>
        <div className="font-mono text-xs text-muted-foreground">{k.prefix}_…</div>
        <div className="mt-0.5 text-xs text-muted-foreground">
          Created {formatRelative(k.createdAt, now)} · Last used {formatRelative(k.lastUsedAt, now)}
        </div>
      </div>
      {k.revokedAt ? null : <RevokeApiKeyDialog keyName={k.name} onConfirm={onRevoke} />}
    </li>
  );
}
