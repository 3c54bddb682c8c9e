"use client";

import { Button } from "@/components/ui/button";

export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="grid place-items-center gap-3 rounded-xl border bg-background px-6 py-16 text-center" role="alert">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="max-w-md text-sm text-muted-foreground">
        We could not load this page. Try again; if it keeps happening, the service may be restarting.
        {error.digest ? ` (reference ${error.digest})` : null}
      </p>
      <Button onClick={reset}>Try again</Button>
    </div>
  );
}
