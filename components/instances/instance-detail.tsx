"use client";

import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import type { ApiKeyView } from "@/lib/data/api-keys";
import type { InstanceView } from "@/lib/data/instances";
import type { InstanceEventJson } from "@/lib/orchestrator-client";
import { ApiKeysSection } from "./api-keys-section";
import { BackupsSection } from "./backups-section";
import { DeleteInstanceDialog } from "./delete-instance-dialog";
import { DeploysSection } from "./deploys-section";
import { EventsList } from "./events-list";
import { IdleSetting } from "./idle-setting";
import { InstanceHeader } from "./instance-header";
import { InstanceOverview } from "./instance-overview";
import { LiveIndicator } from "./live-indicator";
import { LogTail } from "./log-tail";
import { DomainsSection } from "./domains-section";
import { SecretsSection } from "./secrets-section";
import { useInstanceStream } from "./use-instance-stream";

type Props = { initial: InstanceView; initialEvents: InstanceEventJson[]; initialKeys: ApiKeyView[] };

/** The instance page: live state, actions, settings, events, deploys, logs and API keys. */
export function InstanceDetail({ initial, initialEvents, initialKeys }: Props) {
  const router = useRouter();
  const [instance, setInstance] = useState(initial);
  const [events, setEvents] = useState(initialEvents);
  const live = useInstanceStream({
    onInstance: (next) => {
      if (next.id === initial.id) setInstance(next);
    },
    onDeleted: (id) => {
      if (id !== initial.id) return;
      toast.message(`${initial.name} was deleted.`);
      router.replace("/dashboard");
    },
    onResync: () => {
      apiFetch<{ instance: InstanceView }>(`/api/instances/${initial.id}`)
        .then((r) => setInstance(r.instance))
        .catch((err: unknown) => console.warn("could not refresh the instance", err));
    },
    onEvent: (event) => {
      if (event.instanceId === initial.id) setEvents((list) => (list.some((e) => e.id === event.id) ? list : [event, ...list].slice(0, 50)));
    },
  });

  return (
    <div className="grid gap-6">
      <div className="flex items-center justify-between text-sm">
        <Link href="/dashboard" className="inline-flex items-center gap-1 text-muted-foreground hover:text-foreground">
          <ArrowLeft className="size-4" aria-hidden /> All instances
        </Link>
        <span className="text-muted-foreground">
          <LiveIndicator live={live} />
        </span>
      </div>
      <InstanceHeader instance={instance} onChange={setInstance} />
      <InstanceOverview instance={instance} />
      <div className="grid gap-6 lg:grid-cols-2">
        <EventsList events={events} />
        <IdleSetting instance={instance} onChange={setInstance} />
      </div>
      <DeploysSection instance={instance} events={events} />
      <BackupsSection instance={instance} />
      <LogTail instanceId={instance.id} status={instance.status} />
      <ApiKeysSection instanceId={instance.id} initialKeys={initialKeys} />
      <SecretsSection instance={instance} />
      <DomainsSection instance={instance} />
      <DeleteInstanceDialog instance={instance} />
    </div>
  );
}
