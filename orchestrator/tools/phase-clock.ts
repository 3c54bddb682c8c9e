/**
 * Times the phases of one piece of work (a tenant start, a snapshot): `mark(name)` records the milliseconds
 * since the previous mark, so a slow start can be read phase by phase in the debug log.
 */
export function phaseClock(): { mark(name: string): void; phases: Record<string, number> } {
  let last = performance.now();
  const phases: Record<string, number> = {};
  return {
    phases,
    mark(name) {
      const now = performance.now();
      phases[name] = Math.round((now - last) * 10) / 10;
      last = now;
    },
  };
}
