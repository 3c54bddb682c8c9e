import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { InstanceDetail } from "@/components/instances/instance-detail";
import { currentUser } from "@/lib/auth/session";
import { listApiKeys } from "@/lib/data/api-keys";
import { getDb } from "@/lib/data/context";
import { getInstance, instanceView, listEvents } from "@/lib/data/instances";
import { webConfig } from "@/lib/env";
import { NotFoundError } from "@/lib/errors";

export const metadata: Metadata = { title: "Instance" };

type Props = { params: Promise<{ id: string }> };

export default async function InstancePage({ params }: Props) {
  const { id } = await params;
  const user = await currentUser();
  if (!user) redirect("/signin");
  const db = await getDb();
  try {
    const instance = instanceView(await getInstance(db, user, id), webConfig().publicUrl);
    const [events, keys] = await Promise.all([listEvents(db, user, id, 20), listApiKeys(db, user, id)]);
    return <InstanceDetail initial={instance} initialEvents={events} initialKeys={keys} />;
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
}
