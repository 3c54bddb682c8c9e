"use client";

import { useEffect, useState } from "react";
import { apiFetch } from "@/components/shared/api";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";

type Template = { id: string; name: string; description: string };

const BLANK: Template = { id: "blank", name: "Blank", description: "An empty PocketBase." };

/** What GET /api/templates offers, Blank first; null while loading; only Blank (and the error) when it failed. */
function useTemplates(): { templates: Template[] | null; error?: string } {
  const [state, setState] = useState<{ templates: Template[] | null; error?: string }>({ templates: null });
  useEffect(() => {
    let current = true;
    apiFetch<{ templates: Template[] }>("/api/templates")
      .then((r) => ({ templates: r.templates.some((t) => t.id === BLANK.id) ? r.templates : [BLANK, ...r.templates] }))
      .catch((err: unknown) => ({ templates: [BLANK], error: (err as Error).message }))
      .then((next) => {
        if (current) setState(next);
      });
    return () => {
      current = false;
    };
  }, []);
  return state;
}

/**
 * The "Template" choice of "New instance", as radio cards named `template` (sent with the form).
 * A template's code becomes the instance's first deploy, applied when it first starts.
 */
export function TemplatePicker({ error }: { error?: string | undefined }) {
  const { templates, error: loadError } = useTemplates();
  const [chosen, setChosen] = useState(BLANK.id);
  return (
    <fieldset className="grid gap-2" aria-invalid={!!error || undefined}>
      <legend className="mb-2 text-sm font-medium">Template</legend>
      {(templates ?? [BLANK]).map((t) => (
        <label
          key={t.id}
          className={cn("flex cursor-pointer gap-3 rounded-lg border p-3 text-sm hover:bg-muted/50", chosen === t.id && "border-primary bg-muted/50")}
          data-testid="template-option"
        >
          <input type="radio" name="template" value={t.id} checked={chosen === t.id} onChange={() => setChosen(t.id)} className="mt-0.5 accent-primary" />
          <span className="grid gap-0.5">
            <span className="font-medium">{t.name}</span>
            <span className="text-xs text-muted-foreground">{t.description}</span>
          </span>
        </label>
      ))}
      {templates === null ? <Skeleton className="h-14 w-full" aria-label="Loading templates" /> : null}
      {loadError ? <p className="text-xs text-amber-700">Templates could not be loaded ({loadError}); you can still create a blank instance.</p> : null}
      {error ? (
        <p className="text-sm text-destructive" role="alert">
          {error}
        </p>
      ) : null}
      {chosen !== BLANK.id ? (
        <p className="text-xs text-muted-foreground">Its code becomes deploy #1 and goes live when you first start the instance.</p>
      ) : null}
    </fieldset>
  );
}
