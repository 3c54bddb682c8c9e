"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/shared/api";
import { FormError } from "@/components/shared/field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Loader2 } from "lucide-react";

type State = { kind: "verifying" } | { kind: "verified" } | { kind: "failed"; message: string };

/**
 * Spends a verification link's token as the page opens. It posts rather than verifying on the GET,
 * so a link prefetcher or preview that does not run the page cannot spend it.
 */
export function VerifyEmailCard({ token }: { token: string }) {
  const [state, setState] = useState<State>({ kind: "verifying" });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // React's development double-run must not post twice
    started.current = true;
    apiFetch("/api/auth/verify-email", { method: "POST", body: { token } })
      .then(() => setState({ kind: "verified" }))
      .catch((err: unknown) => setState({ kind: "failed", message: err instanceof Error ? err.message : String(err) }));
  }, [token]);

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">{state.kind === "verified" ? "Email verified" : state.kind === "failed" ? "Could not verify" : "Verifying…"}</CardTitle>
        <CardDescription>{state.kind === "verified" ? "Thank you: your email address is confirmed." : null}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {state.kind === "verifying" ? (
          <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
            <Loader2 className="size-4 animate-spin" aria-hidden /> Checking your link…
          </p>
        ) : null}
        {state.kind === "failed" ? (
          <>
            <FormError message={state.message} />
            <p className="text-sm text-muted-foreground">
              Signed in? The banner on the dashboard sends a new link. Otherwise sign in, or ask for a new link from the sign-in page.
            </p>
          </>
        ) : null}
        {state.kind !== "verifying" ? (
          <Button asChild className="w-full">
            <Link href="/dashboard">Continue to the dashboard</Link>
          </Button>
        ) : null}
      </CardContent>
    </Card>
  );
}
