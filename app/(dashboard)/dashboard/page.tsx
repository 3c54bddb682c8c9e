import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { InstancesList } from "@/components/instances/instances-list";
import { currentUser } from "@/lib/auth/session";
import { getDb } from "@/lib/data/context";
import { instanceView, listInstances } from "@/lib/data/instances";
import { webConfig } from "@/lib/env";
import { instanceUrl } from "@/lib/instance-url";

export const metadata: Metadata = { title: "Instances" };

export default async function DashboardPage() {
  const user = await currentUser();
  if (!user) redirect("/signin");
  const { publicUrl, instanceQuota } = webConfig();
  const instances = (await listInstances(await getDb(), user)).map((i) => instanceView(i, publicUrl));
  return <InstancesList initial={instances} quota={instanceQuota} urlTemplate={instanceUrl("__sub__", publicUrl)} />;
}
