"use client";

import { Loader2, Rocket } from "lucide-react";
import { CopyButton } from "@/components/shared/copy-button";
import { LoadError } from "@/components/shared/load-error";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { InstanceView } from "@/lib/data/instances";
import type { DeployJson, InstanceEventJson } from "@/lib/orchestrator-client";
import { DeploysTable } from "./deploys-table";
import { isInProgress, useDeploys } from "./use-deploys";

/** Lifecycle events that mean a deploy changed status. */
const DEPLOY_EVENTS = new Set(["deploying", "deployed", "deploy_failed"]);

/** Deploys of an instance: the one in progress, the history, each deploy's files, rollback. */
export function DeploysSection({ instance, events }: { instance: InstanceView; events: InstanceEventJson[] }) {
  const wantsRunning = instance.desiredState === "running";
  // Newest first: the latest deploy event, with the instance's state and deploy, says when to reload.
  const lastDeployEvent = events.find((e) => DEPLOY_EVENTS.has(e.type))?.id ?? 0;
  const { deploys, error, reload } = useDeploys(instance.id, `${lastDeployEvent}:${instance.deployId}:${instance.status}`, wantsRunning);
  const current = deploys?.find(isInProgress);
  return (
    <Card data-testid="deploys-card">
      <CardHeader>
        <CardTitle>Deploys</CardTitle>
        <CardDescription>
          Your hooks, migrations and static files (<code className="font-mono">pb_hooks</code>, <code className="font-mono">pb_migrations</code>,{" "}
          <code className="font-mono">pb_public</code>). Each deploy replaces all three; data stays.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {current ? <InProgress deploy={current} wantsRunning={wantsRunning} /> : null}
        {error ? <LoadError what="Deploys" message={error} onRetry={reload} /> : null}
        {deploys === null && !error ? <LoadingRows /> : null}
        {deploys?.length === 0 ? <NoDeploys subdomain={instance.subdomain} /> : null}
        {deploys?.length ? (
          <DeploysTable
            instanceId={instance.id}
            deploys={deploys}
            running={wantsRunning}
            busy={deploys.some((d) => d.status === "deploying")}
            onChange={() => void reload()}
          />
        ) : null}
      </CardContent>
    </Card>
  );
}

/** The deploy on its way: being applied now, or waiting for the instance's next start. */
function InProgress({ deploy, wantsRunning }: { deploy: DeployJson; wantsRunning: boolean }) {
  const applying = deploy.status === "deploying" || wantsRunning;
  return (
    <div
      className="flex items-center gap-2 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-800"
      role="status"
      data-testid="deploy-in-progress"
    >
      {applying ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Rocket className="size-4" aria-hidden />}
      {applying ? `Deploying #${deploy.number}…` : `Deploy #${deploy.number} is pending: it goes live when the instance starts.`}
    </div>
  );
}

function LoadingRows() {
  return (
    <div className="grid gap-2" aria-label="Loading deploys">
      <Skeleton className="h-8 w-full" />
      <Skeleton className="h-8 w-full" />
    </div>
  );
}

/** How to make the first deploy. */
function NoDeploys({ subdomain }: { subdomain: string }) {
  const command = `npx picobase deploy --instance ${subdomain}`;
  return (
    <div className="grid place-items-center gap-3 rounded-lg border border-dashed px-4 py-8 text-center" data-testid="no-deploys">
      <Rocket className="size-6 text-muted-foreground" aria-hidden />
      <p className="max-w-md text-sm text-muted-foreground">
        No deploys yet. From the folder that holds your <code className="font-mono">pb_hooks</code>, <code className="font-mono">pb_migrations</code> and{" "}
        <code className="font-mono">pb_public</code>, run:
      </p>
      <div className="flex max-w-full items-center gap-2">
        <code className="overflow-x-auto whitespace-nowrap rounded-md bg-muted px-3 py-2 font-mono text-sm">{command}</code>
        <CopyButton value={command} label="Copy command" />
      </div>
    </div>
  );
}
