"use client";

import { Globe, Loader2, RefreshCw } from "lucide-react";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { ConfirmDialog } from "@/components/shared/confirm-dialog";
import { CopyButton } from "@/components/shared/copy-button";
import { LoadError } from "@/components/shared/load-error";
import { useApiResource } from "@/components/shared/use-api-resource";
import { useAction } from "@/components/shared/use-action";
import { useNow } from "@/components/shared/use-now";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import type { DomainJson } from "@/lib/domains";
import type { InstanceView } from "@/lib/data/instances";
import { formatRelative } from "@/lib/utils";

const statusBadge = {
  pending: { tone: "amber", label: "Waiting for DNS" },
  verified: { tone: "green", label: "Verified" },
  lost: { tone: "red", label: "Records missing" },
} as const;

/** Custom domains of an instance: add one, see the DNS records to create and their status, check now, make primary, remove. */
export function DomainsSection({ instance }: { instance: InstanceView }) {
  const url = `/api/instances/${instance.id}/domains`;
  const { data: domains, setData: setDomains, error, reload: load } = useApiResource(url, (body: { domains: DomainJson[] }) => body.domains);

  const check = useAction();
  const checkNow = () =>
    check.run(async () => {
      const result = await apiFetch<{ domains: DomainJson[] }>(`${url}/check`, { method: "POST" });
      setDomains(result.domains);
      const verified = result.domains.filter((d) => d.status === "verified").length;
      toast.success(`Checked: ${verified} of ${result.domains.length} verified.`);
    });

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle>Custom domains</CardTitle>
          <CardDescription>
            Serve this instance at your own domain. Create the two DNS records shown; once they are found the domain is routed here and gets its certificate on
            its first visit.
          </CardDescription>
        </div>
        {domains && domains.length > 0 ? (
          <Button variant="outline" size="sm" onClick={checkNow} disabled={check.pending}>
            {check.pending ? <Loader2 className="animate-spin" /> : <RefreshCw />}
            Check now
          </Button>
        ) : null}
      </CardHeader>
      <CardContent className="grid gap-4">
        <AddDomainForm url={url} onAdded={(d) => setDomains((list) => [...(list ?? []), d])} />
        {check.error ? <p className="text-sm text-destructive">{check.error}</p> : null}
        <DomainList
          domains={domains}
          error={error}
          onRetry={load}
          onPrimary={async (d) => {
            setDomains((await apiFetch<{ domains: DomainJson[] }>(`${url}/${d.id}/primary`, { method: "POST" })).domains);
            toast.success(`${d.hostname} is now the primary domain.`);
          }}
          onRemove={async (d) => {
            await apiFetch(`${url}/${d.id}`, { method: "DELETE" });
            toast.success(`Removed ${d.hostname}.`);
            await load();
          }}
        />
      </CardContent>
    </Card>
  );
}

function AddDomainForm({ url, onAdded }: { url: string; onAdded: (domain: DomainJson) => void }) {
  const [hostname, setHostname] = useState("");
  const add = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.run(async () => {
      const { domain } = await apiFetch<{ domain: DomainJson }>(url, { method: "POST", body: { hostname } });
      onAdded(domain);
      setHostname("");
      toast.success(domain.status === "verified" ? `${domain.hostname} is verified.` : `Added ${domain.hostname}: create its DNS records below.`);
    });
  };
  return (
    <form onSubmit={submit} className="grid gap-1.5">
      <div className="flex gap-2">
        <Input
          aria-label="Domain"
          placeholder="api.example.com"
          value={hostname}
          onChange={(e) => setHostname(e.target.value)}
          aria-invalid={add.error ? true : undefined}
          autoComplete="off"
          spellCheck={false}
        />
        <Button type="submit" disabled={add.pending || hostname.trim() === ""}>
          {add.pending ? <Loader2 className="animate-spin" /> : null}
          Add domain
        </Button>
      </div>
      {add.error ? (
        <p className="text-sm text-destructive" role="alert">
          {add.error}
        </p>
      ) : null}
    </form>
  );
}

type ListProps = {
  domains: DomainJson[] | null;
  error: string | undefined;
  onRetry: () => Promise<void>;
  onPrimary: (domain: DomainJson) => Promise<void>;
  onRemove: (domain: DomainJson) => Promise<void>;
};

function DomainList({ domains, error, onRetry, onPrimary, onRemove }: ListProps) {
  const now = useNow();
  const primary = useAction();
  if (error) return <LoadError what="Domains" message={error} onRetry={onRetry} />;
  if (domains === null) return <Skeleton className="h-14 w-full" aria-label="Loading domains" />;
  if (domains.length === 0) {
    return (
      <div className="grid place-items-center gap-2 rounded-lg border border-dashed px-4 py-8 text-center">
        <Globe className="size-6 text-muted-foreground" aria-hidden />
        <p className="text-sm text-muted-foreground">No custom domains yet.</p>
      </div>
    );
  }
  return (
    <ul className="divide-y rounded-lg border" data-testid="domains">
      {domains.map((d) => (
        <li key={d.id} className="grid gap-3 px-4 py-3" data-testid="domain-row" data-status={d.status}>
          <div className="flex flex-wrap items-center gap-3">
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-center gap-2">
                <span className="break-all font-mono text-sm font-medium">{d.hostname}</span>
                <Badge tone={statusBadge[d.status].tone}>{statusBadge[d.status].label}</Badge>
                {d.isPrimary ? <Badge>Primary</Badge> : null}
              </div>
              <div className="mt-0.5 text-xs text-muted-foreground">
                {d.checkedAt ? `Checked ${formatRelative(d.checkedAt, now)}` : "Not checked yet"}
                {d.lastError ? ` · ${d.lastError}` : ""}
              </div>
            </div>
            {d.isPrimary ? null : (
              <Button variant="ghost" size="sm" disabled={primary.pending} onClick={() => void primary.run(() => onPrimary(d))}>
                Make primary
              </Button>
            )}
            <ConfirmDialog
              triggerLabel="Remove"
              title={`Remove ${d.hostname}?`}
              description={`Requests to ${d.hostname} stop reaching this instance at once. Its DNS records can be deleted afterwards.`}
              confirmLabel="Remove domain"
              onConfirm={() => onRemove(d)}
            />
          </div>
          {d.status === "verified" ? null : <RecordsTable domain={d} />}
        </li>
      ))}
      {primary.error ? <li className="px-4 py-2 text-sm text-destructive">{primary.error}</li> : null}
    </ul>
  );
}

function RecordsTable({ domain }: { domain: DomainJson }) {
  return (
    <div className="overflow-x-auto rounded-md border bg-muted/40">
      <table className="w-full text-left text-xs">
        <thead className="text-muted-foreground">
          <tr>
            <th className="px-3 py-1.5 font-medium">Type</th>
            <th className="px-3 py-1.5 font-medium">Name</th>
            <th className="px-3 py-1.5 font-medium">Value</th>
          </tr>
        </thead>
        <tbody>
          {domain.records.map((r) => (
            <tr key={r.type} className="border-t" data-testid="dns-record" data-type={r.type}>
              <td className="px-3 py-1.5 font-mono">{r.type}</td>
              <td className="px-3 py-1.5">
                <span className="break-all font-mono">{r.name}</span> <CopyButton value={r.name} label={`Copy ${r.type} name`} />
              </td>
              <td className="px-3 py-1.5">
                <span className="break-all font-mono">{r.value}</span> <CopyButton value={r.value} label={`Copy ${r.type} value`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
