import type { Metadata } from "next";
import { redirectIfSignedIn } from "@/components/auth/redirect-if-signed-in";
import { SigninForm } from "@/components/auth/signin-form";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string; error?: string }> };

export default async function SigninPage({ searchParams }: Props) {
  await redirectIfSignedIn();
  const { callbackUrl, error } = await searchParams;
  const safeCallback = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/dashboard";
  return <SigninForm callbackUrl={safeCallback} initialError={error} />;
}
