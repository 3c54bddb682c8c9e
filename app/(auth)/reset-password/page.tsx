import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/auth/reset-password-form";
import { getDb } from "@/lib/data/context";
import { resetLinkProblem } from "@/lib/data/users";

export const metadata: Metadata = { title: "Choose a new password", referrer: "no-referrer" };

type Props = { searchParams: Promise<{ token?: string | string[] }> };

/** Opened from a password-reset mail. A dead link says so at once (without being spent), with a way to a new one. */
export default async function ResetPasswordPage({ searchParams }: Props) {
  const { token } = await searchParams;
  const secret = typeof token === "string" ? token : "";
  const problem = await resetLinkProblem(await getDb(), secret, new Date());
  return <ResetPasswordForm token={secret} deadLink={problem} />;
}
