/** A stored generation as the control DB lists it. */
export type StoredGeneration = { generation: number; createdAt: Date };

/** Generations kept whatever their age: enough to undo the last few minutes of changes. */
export const NEWEST_KEPT = 10;
const HOUR_MS = 3_600_000;

/**
 * Which snapshot generations to keep: the newest NEWEST_KEPT, plus the newest of every hour within
 * the restore window, so a restore to any point of the window finds the files of that hour. The
 * rest (and, once collected, what only they referenced) is deleted.
 */
export function generationsToKeep(stored: StoredGeneration[], now: number, windowMs: number): Set<number> {
  const newestFirst = [...stored].sort((a, b) => b.generation - a.generation);
  const keep = new Set(newestFirst.slice(0, NEWEST_KEPT).map((s) => s.generation));
  const hours = new Set<number>();
  for (const s of newestFirst) {
    const at = s.createdAt.getTime();
    if (now - at > windowMs) continue;
    const hour = Math.floor(at / HOUR_MS);
    if (hours.has(hour)) continue;
    hours.add(hour);
    keep.add(s.generation);
  }
  return keep;
}
