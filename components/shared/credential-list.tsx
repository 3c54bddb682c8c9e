"use client";

import { KeyRound } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { ConfirmDialog } from "@/components/shared/confirm-dialog";
import { useNow } from "@/components/shared/use-now";
import type { BearerSecretView } from "@/lib/bearer-secrets";
import { formatRelative } from "@/lib/utils";

/** A list of credentials (API keys, account tokens) and revocation through `DELETE revokeUrl(id)`. */
export function useCredentials(initial: BearerSecretView[], revokeUrl: (id: string) => string) {
  const [items, setItems] = useState(initial);
  return {
    items,
    added: (view: BearerSecretView) => setItems((list) => [view, ...list]),
    async revoke(item: BearerSecretView) {
      await apiFetch(revokeUrl(item.id), { method: "DELETE" });
      setItems((list) => list.map((i) => (i.id === item.id ? { ...i, revokedAt: new Date().toISOString() } : i)));
      toast.success(`Revoked ${item.name}`);
    },
  };
}

/** Credentials with their prefix, creation and last use; live ones can be revoked after a confirmation. */
export function CredentialList({
  items,
  onRevoke,
  emptyText,
  revokeLabel,
  revokeWarning,
  testId,
  rowTestId,
}: {
  items: BearerSecretView[];
  onRevoke: (item: BearerSecretView) => Promise<void>;
  emptyText: string;
  /** The confirm button: "Revoke key". */
  revokeLabel: string;
  /** What stops working. */
  revokeWarning: string;
  /** data-testid of the list and of each row. */
  testId: string;
  rowTestId: string;
}) {
  const now = useNow();
  if (items.length === 0) {
    return (
      <div className="grid place-items-center gap-2 rounded-lg border border-dashed px-4 py-8 text-center">
        <KeyRound className="size-6 text-muted-foreground" aria-hidden />
        <p className="text-sm text-muted-foreground">{emptyText}</p>
      </div>
    );
  }
  return (
    <ul className="divide-y rounded-lg border" data-testid={testId}>
      {items.map((item) => (
        <li key={item.id} className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid={rowTestId}>
          <div className="min-w-0 flex-1">
            <div className="flex items-center gap-2">
              <span className="font-medium">{item.name}</span>
              {item.revokedAt ? <span className="rounded bg-muted px-1.5 text-xs text-muted-foreground">revoked</span> : null}
            </div>
            <div className="font-mono text-xs text-muted-foreground">{item.prefix}_…</div>
            <div className="mt-0.5 text-xs text-muted-foreground">
              Created {formatRelative(item.createdAt, now)} · Last used {formatRelative(item.lastUsedAt, now)}
            </div>
          </div>
          {item.revokedAt ? null : (
            <ConfirmDialog
              triggerLabel="Revoke"
              title={`Revoke “${item.name}”?`}
              description={`${revokeWarning} This cannot be undone.`}
              confirmLabel={revokeLabel}
              onConfirm={() => onRevoke(item)}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
