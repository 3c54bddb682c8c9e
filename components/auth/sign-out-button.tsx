"use client";

import { LogOut } from "lucide-react";
import { signOut } from "next-auth/react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/** Ends the session and returns to the landing page. */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label="Sign out"
      title="Sign out"
      pending={pending}
      onClick={() => {
        setPending(true);
        void signOut({ callbackUrl: "/" });
      }}
    >
      {pending ? null : <LogOut aria-hidden />}
      <span className="hidden sm:inline">Sign out</span>
    </Button>
  );
}
