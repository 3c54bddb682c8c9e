"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { ApiError, apiFetch } from "@/components/shared/api";
import { Field, FormError, firstErrors, showFieldErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { signupSchema } from "@/lib/validations/auth";
import { ResendVerificationButton } from "./resend-verification-button";
import { z } from "zod";

/** Sign-up form: validates with the shared schema, registers, then signs in (or, when verification is required, asks to check the inbox). */
export function SignupForm() {
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [mustVerify, setMustVerify] = useState<string>();
  const { pending, error: formError, setError: setFormError, run } = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = signupSchema.safeParse(Object.fromEntries(new FormData(e.currentTarget)));
    setFormError(undefined);
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    const onError = showFieldErrors(setErrors);
    await run(
      async () => {
        const created = await apiFetch<{ verificationRequired: boolean }>("/api/auth/signup", { method: "POST", body: parsed.data });
        if (created.verificationRequired) return setMustVerify(parsed.data.email);
        const result = await signIn("credentials", { email: parsed.data.email, password: parsed.data.password, redirect: false });
        if (result?.error) throw new ApiError("Your account was created, but signing in failed. Try signing in.", 401);
        window.location.assign("/dashboard");
      },
      { onError, keepPendingOnSuccess: true },
    );
  };

  if (mustVerify) return <CheckInbox email={mustVerify} />;

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Create your account</CardTitle>
        <CardDescription>Start hosting PocketBase in under a minute.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <FormError message={formError} />
          <Field id="name" label="Name" error={errors.name}>
            <Input id="name" name="name" autoComplete="name" aria-invalid={!!errors.name} />
          </Field>
          <Field id="email" label="Email" error={errors.email}>
            <Input id="email" name="email" type="email" autoComplete="email" aria-invalid={!!errors.email} />
          </Field>
          <Field id="password" label="Password" error={errors.password} hint="At least 8 characters.">
            <Input id="password" name="password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} />
          </Field>
          <Button type="submit" pending={pending} className="w-full">
            Create account
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            Already have an account?{" "}
            <Link href="/signin" className="font-medium text-primary hover:underline">
              Sign in
            </Link>
          </p>
        </form>
      </CardContent>
    </Card>
  );
}

/** After sign-up when the operator requires verified addresses: the mailed link comes first. */
function CheckInbox({ email }: { email: string }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">Check your inbox</CardTitle>
        <CardDescription>
          We sent a link to <span className="font-medium text-foreground">{email}</span>. Open it to verify your address, then sign in.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <ResendVerificationButton email={email} />
        <p className="text-center text-sm text-muted-foreground">
          <Link href="/signin" className="font-medium text-primary hover:underline">
            Sign in
          </Link>
        </p>
      </CardContent>
    </Card>
  );
}
