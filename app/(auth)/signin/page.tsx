import type { Metadata } from "next";
import { SigninForm } from "@/components/auth/signin-form";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string }> };

export default async function SigninPage({ searchParams }: Props) {
  const { callbackUrl, error } = await searchParams;
  const safeCallback = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/dashboard";
  return <SigninForm callbackUrl={safeCallback} initialError={error} />;
}
