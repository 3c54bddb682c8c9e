"use client";

import { apiFetch } from "@/components/shared/api";
import { CreateCredentialDialog, type CredentialWording } from "@/components/shared/create-credential-dialog";
import { CredentialList, useCredentials } from "@/components/shared/credential-list";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { AccountTokenView } from "@/lib/data/account-tokens";

const wording: CredentialWording = {
  noun: "token",
  longNoun: "account token",
  nameHint: "Name it after where it will be used, e.g. “laptop CLI” or “deploy script”. It can do everything you can, except change your password.",
  secretTestId: "new-account-token",
};

/** Personal access tokens: create (secret shown once), list with last use, revoke. */
export function AccountTokensSection({ initialTokens }: { initialTokens: AccountTokenView[] }) {
  const tokens = useCredentials(initialTokens, (id) => `/api/account/tokens/${id}`);
  const create = async (name: string) => {
    const { token } = await apiFetch<{ token: AccountTokenView & { token: string } }>("/api/account/tokens", { method: "POST", body: { name } });
    const { token: secret, ...view } = token;
    return { view, secret };
  };

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>Tokens</CardTitle>
          <CardDescription>
            Send as <code className="font-mono">Authorization: Bearer pbt_…</code> to use the platform API (and the CLI) as you.
          </CardDescription>
        </div>
        <CreateCredentialDialog wording={wording} create={create} onCreated={tokens.added} />
      </CardHeader>
      <CardContent>
        <CredentialList
          items={tokens.items}
          onRevoke={tokens.revoke}
          emptyText="No tokens yet."
          revokeLabel="Revoke token"
          revokeWarning="Scripts using this token stop working immediately."
          testId="account-tokens"
          rowTestId="account-token-row"
        />
      </CardContent>
    </Card>
  );
}
