import { Button } from "@/components/ui/button";

/** A card's "could not load" line: what is unavailable, why, and a retry button. */
export function LoadError({ what, message, onRetry }: { what: string; message: string; onRetry: () => Promise<void> }) {
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm" role="alert">
      <span className="text-amber-700">
        {what} are unavailable right now: {message}
      </span>
      <Button variant="outline" size="sm" onClick={() => void onRetry()}>
        Try again
      </Button>
    </div>
  );
}
