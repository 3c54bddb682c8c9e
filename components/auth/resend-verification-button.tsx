"use client";

import { useState } from "react";
import { apiFetch } from "@/components/shared/api";
import { FormError } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";

/** "Send the link again" for someone who cannot sign in before verifying `email` (REQUIRE_EMAIL_VERIFICATION). */
export function ResendVerificationButton({ email }: { email: string }) {
  const [sent, setSent] = useState<string>();
  const { pending, error, run } = useAction();
  const resend = () =>
    run(async () => {
      const res = await apiFetch<{ message: string }>("/api/auth/verify-email/resend", { method: "POST", body: { email } });
      setSent(res.message);
    });

  if (sent) {
    return (
      <p className="text-sm text-muted-foreground" role="status">
        {sent}
      </p>
    );
  }
  return (
    <div className="grid gap-2">
      <FormError message={error} />
      <Button type="button" variant="outline" pending={pending} onClick={() => void resend()}>
        Send the verification link again
      </Button>
    </div>
  );
}
