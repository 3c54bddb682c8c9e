"use client";

import { MailWarning } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";

/** A quiet reminder, for a user whose address is not verified yet, with a rate-limited "resend". */
export function VerifyEmailBanner({ email }: { email: string }) {
  const [sent, setSent] = useState(false);
  const { pending, run } = useAction();
  const resend = () =>
    run(
      async () => {
        await apiFetch("/api/account/verification-email", { method: "POST" });
        setSent(true);
        toast.success(`Verification link sent to ${email}`);
      },
      { onError: (_err, message) => toast.error(message) },
    );

  return (
    <div className="border-b bg-amber-50 text-amber-900" role="status" data-testid="verify-email-banner">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm sm:px-6">
        <p className="flex items-center gap-2">
          <MailWarning className="size-4 shrink-0" aria-hidden />
          {sent
            ? `We sent a new link to ${email}. Open it to verify your address.`
            : `Please verify your email address (${email}): open the link we mailed you.`}
        </p>
        {sent ? null : (
          <Button variant="ghost" size="sm" pending={pending} onClick={() => void resend()}>
            Resend
          </Button>
        )}
      </div>
    </div>
  );
}
