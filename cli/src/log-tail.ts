/**
 * The lines of `next` not already shown in `prev`, two tails of the same log: the longest end of
 * `prev` that `next` starts with is the overlap, and what follows it is new. With no overlap
 * (more lines arrived than a tail holds, or the log started over) all of `next` is new.
 */
export function newLines(prev: readonly string[], next: readonly string[]): string[] {
  for (let overlap = Math.min(prev.length, next.length); overlap > 0; overlap -= 1) {
    if (endsWithStartOf(prev, next, overlap)) return next.slice(overlap);
  }
  return [...next];
}

function endsWithStartOf(prev: readonly string[], next: readonly string[], length: number): boolean {
  const offset = prev.length - length;
  for (let i = 0; i < length; i += 1) if (prev[offset + i] !== next[i]) return false;
  return true;
}
