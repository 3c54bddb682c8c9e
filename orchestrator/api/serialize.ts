import type { Instance, InstanceEvent } from "../../lib/db/schema";

/** The instance as the dashboard sees it: no superuser credentials, dates as ISO strings. */
export function publicInstance(i: Instance) {
  const { superuserEmail: _email, superuserPasswordEnc: _password, ...rest } = i;
  return {
    ...rest,
    lastStartedAt: i.lastStartedAt?.toISOString() ?? null,
    lastStoppedAt: i.lastStoppedAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

/** An instance event as JSON. */
export function publicEvent(e: InstanceEvent) {
  return { ...e, createdAt: e.createdAt.toISOString() };
}

export type PublicInstance = ReturnType<typeof publicInstance>;
