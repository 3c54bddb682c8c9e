"use client";

import { KeyRound } from "lucide-react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { ConfirmDialog } from "@/components/shared/confirm-dialog";
import { useNow } from "@/components/shared/use-now";
import { LoadError } from "@/components/shared/load-error";
import { useApiResource } from "@/components/shared/use-api-resource";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { InstanceView } from "@/lib/data/instances";
import type { SecretView } from "@/lib/data/secrets";
import { formatRelative } from "@/lib/utils";
import type { SecretChanges, SecretEntry } from "@/lib/validations/secrets";
import { SetSecretDialog } from "./set-secret-dialog";

/** Environment secrets of an instance: names and update times only; add, update, remove (a running instance restarts). */
export function SecretsSection({ instance }: { instance: InstanceView }) {
  const running = instance.desiredState === "running";
  const url = `/api/instances/${instance.id}/secrets`;
  const { data: secrets, setData: setSecrets, error, reload: load } = useApiResource(url, (body: { secrets: SecretView[] }) => body.secrets);

  const apply = async (changes: Partial<SecretChanges>, done: string) => {
    const result = await apiFetch<{ secrets: SecretView[]; restarted: boolean }>(url, { method: "PATCH", body: changes });
    setSecrets(result.secrets);
    toast.success(result.restarted ? `${done}; ${instance.name} is restarting.` : `${done}.`);
  };
  const save = (entry: SecretEntry) => apply({ set: { [entry.name]: entry.value } }, `Saved ${entry.name}`);
  const remove = (name: string) => apply({ unset: [name] }, `Removed ${name}`);

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>Environment secrets</CardTitle>
          <CardDescription>
            Read in hooks with <code className="font-mono">$os.getenv(&quot;NAME&quot;)</code>. Values are stored encrypted and never shown again.
          </CardDescription>
        </div>
        <SetSecretDialog instanceName={instance.name} running={running} onSave={save} />
      </CardHeader>
      <CardContent>
        <SecretsBody secrets={secrets} error={error} onRetry={load} running={running} instance={instance} onSave={save} onRemove={remove} />
      </CardContent>
    </Card>
  );
}

type BodyProps = {
  secrets: SecretView[] | null;
  error: string | undefined;
  onRetry: () => Promise<void>;
  running: boolean;
  instance: InstanceView;
  onSave: (entry: SecretEntry) => Promise<void>;
  onRemove: (name: string) => Promise<void>;
};

function SecretsBody({ secrets, error, onRetry, running, instance, onSave, onRemove }: BodyProps) {
  const now = useNow();
  if (error) {
    return <LoadError what="Secrets" message={error} onRetry={onRetry} />;
  }
  if (secrets === null) return <Skeleton className="h-14 w-full" aria-label="Loading secrets" />;
  if (secrets.length === 0) {
    return (
      <div className="grid place-items-center gap-2 rounded-lg border border-dashed px-4 py-8 text-center">
        <KeyRound className="size-6 text-muted-foreground" aria-hidden />
        <p className="text-sm text-muted-foreground">No secrets yet.</p>
      </div>
    );
  }
  return (
    <ul className="divide-y rounded-lg border" data-testid="secrets">
      {secrets.map((s) => (
        <li key={s.name} className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid="secret-row">
          <div className="min-w-0 flex-1">
            <div className="break-all font-mono text-sm font-medium">{s.name}</div>
            <div className="mt-0.5 text-xs text-muted-foreground">Updated {formatRelative(s.updatedAt, now)}</div>
          </div>
          <SetSecretDialog name={s.name} instanceName={instance.name} running={running} onSave={onSave} />
          <ConfirmDialog
            triggerLabel="Remove"
            title={`Remove ${s.name}?`}
            description={
              running
                ? `${instance.name} is running: it restarts (a few seconds offline) so its hooks no longer see ${s.name}.`
                : `Hooks no longer see ${s.name} from the next start.`
            }
            confirmLabel={running ? "Remove and restart" : "Remove secret"}
            onConfirm={() => onRemove(s.name)}
          />
        </li>
      ))}
    </ul>
  );
}
