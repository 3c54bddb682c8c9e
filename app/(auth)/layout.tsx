import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Logo } from "@/components/shared/logo";
import { currentUser } from "@/lib/auth/session";

export default async function AuthLayout({ children }: { children: ReactNode }) {
  // Checked here against the sessions table rather than in proxy.ts, which sees only the JWT: an
  // ended session's cookie would otherwise bounce between /signin and /dashboard.
  if (await currentUser()) redirect("/dashboard");
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center bg-muted px-4 py-10">
      <div className="mb-6">
        <Logo />
      </div>
      <div className="w-full max-w-sm">{children}</div>
    </div>
  );
}
