import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { InstanceEventJson } from "@/lib/orchestrator-client";

/** Recent lifecycle events, newest first. */
export function EventsList({ events }: { events: InstanceEventJson[] }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Recent events</CardTitle>
        <CardDescription>Starts, stops, snapshots and failures.</CardDescription>
      </CardHeader>
      <CardContent>
        {events.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing has happened yet.</p>
        ) : (
          <ol className="grid max-h-72 gap-3 overflow-y-auto" data-testid="events">
            {events.map((e) => (
              <li key={e.id} className="grid gap-0.5 text-sm">
                <span>{e.message}</span>
                <time className="text-xs text-muted-foreground" dateTime={e.createdAt}>
                  {new Date(e.createdAt).toLocaleString()} · {e.type}
                </time>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
