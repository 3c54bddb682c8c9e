import type { Deploy, Instance, InstanceEvent } from "./db/schema";

/**
 * The wire shape of an instance, shared by the internal API (orchestrator) and the platform API
 * (web): the DB row without the platform superuser's credentials or the tenant's uid, dates as
 * ISO strings.
 */
export function instanceJson(i: Instance) {
  const { superuserEmail: _email, superuserPasswordEnc: _password, tenantUid: _uid, ...rest } = i;
  return {
    ...rest,
    lastStartedAt: i.lastStartedAt?.toISOString() ?? null,
    lastStoppedAt: i.lastStoppedAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

/** A lifecycle event as JSON. */
export function eventJson(e: InstanceEvent) {
  return { ...e, createdAt: e.createdAt.toISOString() };
}

export type InstanceJson = ReturnType<typeof instanceJson>;
export type InstanceEventJson = ReturnType<typeof eventJson>;

/** A deploy as JSON (without the author's user id). */
export function deployJson(d: Deploy) {
  const { authorId: _author, ...rest } = d;
  return { ...rest, createdAt: d.createdAt.toISOString(), finishedAt: d.finishedAt?.toISOString() ?? null };
}

export type DeployJson = ReturnType<typeof deployJson>;
