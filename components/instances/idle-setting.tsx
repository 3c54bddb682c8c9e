"use client";

import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { Field } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import type { InstanceView } from "@/lib/data/instances";
import { idleTimeoutMinutesSchema } from "@/lib/validations/instance";

/** Idle-stop setting: minutes without traffic before an automatic stop (0 = never, empty = default). */
export function IdleSetting({ instance, onChange }: { instance: InstanceView; onChange: (i: InstanceView) => void }) {
  const [value, setValue] = useState(instance.idleTimeoutMinutes === null ? "" : String(instance.idleTimeoutMinutes));
  const { pending, error, setError, run } = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = value.trim() === "" ? { success: true as const, data: null } : idleTimeoutMinutesSchema.safeParse(Number(value));
    if (!parsed.success) return setError(parsed.error.issues[0]?.message);
    await run(async () => {
      const { instance: next } = await apiFetch<{ instance: InstanceView }>(`/api/instances/${instance.id}`, {
        method: "PATCH",
        body: { idleTimeoutMinutes: parsed.data },
      });
      onChange(next);
      toast.success(parsed.data === 0 ? "Idle stop disabled" : "Idle stop saved");
    });
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Idle stop</CardTitle>
        <CardDescription>Stop automatically after this many minutes without requests. A request wakes it again.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3" noValidate>
          <div className="w-40">
            <Field id="idle-minutes" label="Minutes" error={error} hint="0 = never · empty = platform default">
              <Input
                id="idle-minutes"
                inputMode="numeric"
                placeholder="default"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                aria-invalid={!!error}
              />
            </Field>
          </div>
          <Button type="submit" variant="outline" pending={pending} className="mb-5">
            Save
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
