"use client";

import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { apiFetch } from "@/components/shared/api";
import { Field, FormError, firstErrors, showFieldErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { InstanceView } from "@/lib/data/instances";
import { createInstanceSchema } from "@/lib/validations/instance";
import { TemplatePicker } from "./template-picker";
import { SubdomainField } from "./subdomain-field";
import { useSubdomainCheck, type SubdomainCheck } from "./use-subdomain-check";

type Props = { disabledReason?: string | undefined; urlTemplate: string; onCreated: (i: InstanceView) => void };

/** "New instance" dialog: name + subdomain, validated and availability-checked as you type, and a template. */
export function CreateInstanceDialog({ disabledReason, urlTemplate, onCreated }: Props) {
  const [open, setOpen] = useState(false);
  const [subdomain, setSubdomain] = useState("");
  const check = useSubdomainCheck(subdomain);
  const form = useCreateInstance((created) => {
    onCreated(created);
    setOpen(false);
  });

  if (disabledReason) return <QuotaReached message={disabledReason} />;
  const subError = form.errors.subdomain ?? (check.state === "unavailable" ? check.message : undefined);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) form.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden /> New instance
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New instance</DialogTitle>
          <DialogDescription>A PocketBase backend with its own URL. It is created stopped.</DialogDescription>
        </DialogHeader>
        <form onSubmit={form.submit} className="grid gap-4" noValidate>
          <FormError message={form.formError} />
          <Field id="instance-name" label="Name" error={form.errors.name}>
            <Input id="instance-name" name="name" placeholder="My app" autoFocus aria-invalid={!!form.errors.name} />
          </Field>
          <SubdomainField
            id="instance-subdomain"
            value={subdomain}
            onChange={setSubdomain}
            error={subError}
            hint={subdomainHint(check, subdomain, urlTemplate)}
          />
          <TemplatePicker error={form.errors.template} />
          <DialogFooter>
            <Button type="submit" pending={form.pending} disabled={check.state === "unavailable"}>
              Create instance
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Submits the form with the shared schema; on success shows a toast and opens the new instance. */
function useCreateInstance(onCreated: (i: InstanceView) => void) {
  const router = useRouter();
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const { pending, error: formError, setError: setFormError, run } = useAction();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setFormError(undefined);
    const parsed = createInstanceSchema.safeParse(Object.fromEntries(new FormData(e.currentTarget)));
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    const onError = showFieldErrors(setErrors);
    await run(
      async () => {
        const { instance } = await apiFetch<{ instance: InstanceView }>("/api/instances", { method: "POST", body: parsed.data });
        onCreated(instance);
        toast.success(`Created ${instance.name}`);
        router.push(`/dashboard/instances/${instance.id}`);
      },
      { onError },
    );
  };
  const reset = () => {
    setErrors({});
    setFormError(undefined);
  };
  return { errors, formError, pending, submit, reset };
}

function subdomainHint(check: SubdomainCheck, subdomain: string, urlTemplate: string) {
  if (check.state === "available") return <span className="text-emerald-700">Available: {urlTemplate.replace("__sub__", check.subdomain)}</span>;
  if (check.state === "checking") return "Checking availability…";
  return `Your URL: ${urlTemplate.replace("__sub__", subdomain || "name")}`;
}

function QuotaReached({ message }: { message: string }) {
  return (
    <div className="flex flex-col items-end gap-1">
      <Button disabled>
        <Plus aria-hidden /> New instance
      </Button>
      <p className="max-w-xs text-right text-xs text-muted-foreground" data-testid="quota-message">
        {message}
      </p>
    </div>
  );
}
