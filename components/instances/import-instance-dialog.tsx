"use client";

import { Upload } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ApiError } from "@/components/shared/api";
import { Field, FormError, firstErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { InstanceView } from "@/lib/data/instances";
import { importSchema } from "@/lib/validations/backups";
import { SubdomainField } from "./subdomain-field";
import { useSubdomainCheck } from "./use-subdomain-check";

/**
 * "Import": a new instance from an existing PocketBase's backup zip (its admin UI: Settings →
 * Backups, or a zipped pb_data folder), with upload progress; opens the instance when it runs.
 */
export function ImportInstanceDialog({ disabled }: { disabled: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [subdomain, setSubdomain] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const check = useSubdomainCheck(subdomain);
  const { pending, error, setError, run } = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const parsed = importSchema.safeParse({ name: form.get("name"), subdomain: form.get("subdomain") });
    const file = form.get("backup");
    const fileError = file instanceof File && file.size > 0 ? undefined : "Choose a backup .zip.";
    if (!parsed.success || fileError) {
      return setErrors({ ...(parsed.success ? {} : firstErrors(z.flattenError(parsed.error).fieldErrors)), backup: fileError });
    }
    setErrors({});
    await run(
      async () => {
        const instance = await uploadBackup(parsed.data, file as File, setProgress);
        toast.success(`Imported ${instance.name}.`);
        router.push(`/dashboard/instances/${instance.id}`);
      },
      {
        onError: (err) => {
          setProgress(null);
          if (err instanceof ApiError) setErrors(firstErrors(err.fieldErrors));
        },
        keepPendingOnSuccess: true,
      },
    );
  };
  const subError = errors.subdomain ?? (check.state === "unavailable" ? check.message : undefined);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (pending) return; // an upload in flight finishes (or fails) first
        setOpen(o);
        setError(undefined);
        setProgress(null);
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" disabled={disabled}>
          <Upload aria-hidden /> Import
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Import a PocketBase</DialogTitle>
          <DialogDescription>
            Upload a backup made by PocketBase (its admin UI: Settings → Backups → download) or a zip of your pb_data folder. Records, users, settings and
            uploaded files come along; deploy your hooks and migrations afterwards.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <FormError message={error} />
          <Field id="import-name" label="Name" error={errors.name}>
            <Input id="import-name" name="name" placeholder="My app" aria-invalid={!!errors.name} />
          </Field>
          <SubdomainField id="import-subdomain" value={subdomain} onChange={setSubdomain} error={subError} />
          <Field id="import-backup" label="Backup (.zip)" error={errors.backup}>
            <Input id="import-backup" name="backup" type="file" accept=".zip,application/zip" aria-invalid={!!errors.backup} />
          </Field>
          {progress !== null ? (
            <p className="text-sm text-muted-foreground" role="status">
              {progress < 100 ? `Uploading… ${progress}%` : "Checking the backup and starting the instance…"}
            </p>
          ) : null}
          <DialogFooter>
            <Button type="submit" pending={pending} disabled={check.state === "unavailable"}>
              Import
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Sends the file as the request body with XMLHttpRequest, the one browser API that reports upload progress. */
function uploadBackup(input: { name: string; subdomain: string }, file: File, onProgress: (percent: number) => void): Promise<InstanceView> {
  const query = new URLSearchParams(input);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/instances/import?${query.toString()}`);
    xhr.setRequestHeader("content-type", "application/zip");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onerror = () => reject(new ApiError("Could not reach the server. Check your connection.", 0));
    xhr.onload = () => {
      const json = (() => {
        try {
          return JSON.parse(xhr.responseText) as {
            instance?: InstanceView;
            error?: { message?: string; details?: { fieldErrors?: Record<string, string[]> } };
          };
        } catch {
          return null;
        }
      })();
      if (xhr.status === 201 && json?.instance) return resolve(json.instance);
      if (xhr.status === 401) window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
      reject(new ApiError(json?.error?.message ?? `Something went wrong (HTTP ${xhr.status}).`, xhr.status, json?.error?.details?.fieldErrors));
    };
    xhr.send(file);
  });
}
