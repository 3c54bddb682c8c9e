import Link from "next/link";
import { Button } from "@/components/ui/button";

export default function InstanceNotFound() {
  return (
    <div className="grid place-items-center gap-3 rounded-xl border border-dashed bg-background px-6 py-16 text-center">
      <h1 className="text-lg font-semibold">Instance not found</h1>
      <p className="text-sm text-muted-foreground">It may have been deleted, or the link is wrong.</p>
      <Button asChild variant="outline">
        <Link href="/dashboard">Back to instances</Link>
      </Button>
    </div>
  );
}
