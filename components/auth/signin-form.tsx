"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { Field, FormError } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { describeSigninError, isEmailNotVerified } from "./auth-errors";
import { ResendVerificationButton } from "./resend-verification-button";

/** Email + password sign-in through next-auth's credentials provider; an unverified account may have its link sent again. */
export function SigninForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string | undefined }) {
  const { pending, error, run } = useAction(describeSigninError(initialError));
  const [email, setEmail] = useState("");

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setEmail(String(form.get("email") ?? ""));
    await run(
      async () => {
        const result = await signIn("credentials", {
          email: String(form.get("email") ?? ""),
          password: String(form.get("password") ?? ""),
          redirect: false,
        });
        // next-auth reports a refused sign-in in the result, not by throwing.
        if (!result?.ok || result.error) throw new Error(describeSigninError(result?.error ?? "unknown"));
        window.location.assign(callbackUrl);
      },
      { keepPendingOnSuccess: true },
    );
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Welcome back</CardTitle>
        <CardDescription>Sign in to manage your instances.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <FormError message={error} />
          {isEmailNotVerified(error) && email ? <ResendVerificationButton email={email} /> : null}
          <Field id="email" label="Email">
            <Input id="email" name="email" type="email" autoComplete="email" required />
          </Field>
          <Field
            id="password"
            label="Password"
            hint={
              <Link href="/forgot-password" className="font-medium text-primary hover:underline">
                Forgot password?
              </Link>
            }
          >
            <Input id="password" name="password" type="password" autoComplete="current-password" required />
          </Field>
          <Button type="submit" pending={pending} className="w-full">
            Sign in
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            New here?{" "}
            <Link href="/signup" className="font-medium text-primary hover:underline">
              Create an account
            </Link>
          </p>
        </form>
      </CardContent>
    </Card>
  );
}
