"use client";

import { Copy } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ApiError, apiFetch } from "@/components/shared/api";
import { Field, FormError, firstErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { InstanceView } from "@/lib/data/instances";
import { cloneSchema } from "@/lib/validations/backups";
import { SubdomainField } from "./subdomain-field";
import { useSubdomainCheck } from "./use-subdomain-check";

/** "Clone…": a new instance (name, subdomain) holding this one's state at `at`; opens it when ready. */
export function CloneDialog({ instance, at, compact = false }: { instance: InstanceView; at: string; compact?: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [subdomain, setSubdomain] = useState(`${instance.subdomain}-copy`.slice(0, 63));
  const check = useSubdomainCheck(subdomain);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const { pending, error, setError, run } = useAction();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = cloneSchema.safeParse({ ...Object.fromEntries(new FormData(e.currentTarget)), at });
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    await run(
      async () => {
        const { instance: clone } = await apiFetch<{ instance: InstanceView }>(`/api/instances/${instance.id}/clone`, { method: "POST", body: parsed.data });
        toast.success(`Created ${clone.name} from ${instance.name} as of ${new Date(at).toLocaleString()}.`);
        router.push(`/dashboard/instances/${clone.id}`);
      },
      { onError: (err) => err instanceof ApiError && setErrors(firstErrors(err.fieldErrors)), keepPendingOnSuccess: true },
    );
  };
  const subError = errors.subdomain ?? (check.state === "unavailable" ? check.message : undefined);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        setError(undefined);
      }}
    >
      <DialogTrigger asChild>
        <Button variant={compact ? "ghost" : "outline"} size="sm">
          <Copy aria-hidden /> {compact ? "Clone" : "Clone…"}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Clone {instance.name}</DialogTitle>
          <DialogDescription>
            A new instance with {instance.name}&apos;s records, users and files as of {new Date(at).toLocaleString()}. {instance.name} itself is not changed.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <FormError message={error} />
          <Field id="clone-name" label="Name" error={errors.name}>
            <Input id="clone-name" name="name" defaultValue={`${instance.name} (copy)`.slice(0, 64)} aria-invalid={!!errors.name} />
          </Field>
          <SubdomainField id="clone-subdomain" value={subdomain} onChange={setSubdomain} error={subError ?? errors.at} />
          <DialogFooter>
            <Button type="submit" pending={pending} disabled={check.state === "unavailable"}>
              Create clone
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
