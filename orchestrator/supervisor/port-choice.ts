/** The inclusive port range tenants may use. */
export type PortRange = { from: number; to: number };

/** Converts the configured `{ base, range }` into an inclusive range, validating it. */
export function portRange(ports: { base: number; range: number }): PortRange {
  const from = ports.base;
  const to = ports.base + ports.range - 1;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1024 || to > 65_535 || to < from) {
    throw new RangeError(`invalid tenant port range ${from}-${to}`);
  }
  return { from, to };
}

/** True when `port` lies inside the range. */
export function isInRange(port: number, range: PortRange): boolean {
  return Number.isInteger(port) && port >= range.from && port <= range.to;
}

/**
 * The port to try first on a restart: the previous one, unless another supervised tenant owns it
 * now or it fell outside the range. `undefined` means "pick any free port".
 */
export function preferredPort(previous: number | undefined, ownedByOthers: ReadonlySet<number>, range: PortRange) {
  if (previous === undefined || ownedByOthers.has(previous) || !isInRange(previous, range)) return undefined;
  return previous;
}
