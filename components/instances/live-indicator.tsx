import { cn } from "@/lib/utils";

/** Shows whether live status updates are connected. */
export function LiveIndicator({ live }: { live: boolean }) {
  return (
    <span className="inline-flex items-center gap-1.5" data-testid="live-indicator" data-live={live}>
      <span className={cn("size-2 rounded-full", live ? "bg-emerald-500" : "bg-slate-300")} aria-hidden />
      {live ? "Live" : "Connecting…"}
    </span>
  );
}
