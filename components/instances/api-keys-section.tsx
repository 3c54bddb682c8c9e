"use client";

import { apiFetch } from "@/components/shared/api";
import { CreateCredentialDialog, type CredentialWording } from "@/components/shared/create-credential-dialog";
import { CredentialList, useCredentials } from "@/components/shared/credential-list";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { ApiKeyView } from "@/lib/data/api-keys";

const wording: CredentialWording = {
  noun: "key",
  longNoun: "API key",
  nameHint: "Name it after where it will be used, e.g. “CI” or “mobile app”.",
  secretTestId: "new-api-key",
};

/** API keys of an instance: create (secret shown once), list, revoke. */
export function ApiKeysSection({ instanceId, initialKeys }: { instanceId: string; initialKeys: ApiKeyView[] }) {
  const keys = useCredentials(initialKeys, (id) => `/api/instances/${instanceId}/keys/${id}`);
  const create = async (name: string) => {
    const { key } = await apiFetch<{ key: ApiKeyView & { key: string } }>(`/api/instances/${instanceId}/keys`, { method: "POST", body: { name } });
    const { key: secret, ...view } = key;
    return { view, secret };
  };

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>API keys</CardTitle>
          <CardDescription>
            Send as <code className="font-mono">Authorization: Bearer pbk_…</code> to act as superuser on this instance, or to start/stop it.
          </CardDescription>
        </div>
        <CreateCredentialDialog wording={wording} create={create} onCreated={keys.added} />
      </CardHeader>
      <CardContent>
        <CredentialList
          items={keys.items}
          onRevoke={keys.revoke}
          emptyText="No API keys yet."
          revokeLabel="Revoke key"
          revokeWarning="Apps using this key stop working immediately."
          testId="api-keys"
          rowTestId="api-key-row"
        />
      </CardContent>
    </Card>
  );
}
