import { randomBytes } from "node:crypto";
import { and, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../../lib/db/client";
import { deploys, type Deploy, type DeployStatus } from "../../lib/db/schema";
import { NotFoundError } from "../../lib/errors";

/** `dep_` + 16 random URL-safe characters. */
export function newDeployId(): string {
  return `dep_${randomBytes(12).toString("base64url")}`;
}

/** The control DB's record of each instance's deploys. */
export type DeployRecords = ReturnType<typeof createDeployRecords>;

export function createDeployRecords({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  return {
    /** Inserts a deploy numbered one past the instance's last (the number is taken in the insert itself). */
    async insert(values: Pick<Deploy, "id" | "instanceId" | "status" | "author" | "authorId" | "sizeBytes" | "fileCount">): Promise<Deploy> {
      const columns = getTableColumns(deploys);
      await db.run(sql`INSERT INTO ${deploys} (${sql.identifier(columns.id.name)}, ${sql.identifier(columns.instanceId.name)}, ${sql.identifier(columns.number.name)},
          ${sql.identifier(columns.status.name)}, ${sql.identifier(columns.author.name)}, ${sql.identifier(columns.authorId.name)},
          ${sql.identifier(columns.sizeBytes.name)}, ${sql.identifier(columns.fileCount.name)}, ${sql.identifier(columns.createdAt.name)})
        SELECT ${values.id}, ${values.instanceId}, coalesce(max(${deploys.number}), 0) + 1, ${values.status}, ${values.author}, ${values.authorId},
          ${values.sizeBytes}, ${values.fileCount}, ${now().getTime()}
        FROM ${deploys} WHERE ${deploys.instanceId} = ${values.instanceId}`);
      return this.get(values.instanceId, values.id);
    },
    async get(instanceId: string, deployId: string): Promise<Deploy> {
      const [row] = await db
        .select()
        .from(deploys)
        .where(and(eq(deploys.instanceId, instanceId), eq(deploys.id, deployId)));
      if (!row) throw new NotFoundError("Deploy not found.");
      return row;
    },
    /** Newest first. */
    list(instanceId: string, limit = 100): Promise<Deploy[]> {
      return db.select().from(deploys).where(eq(deploys.instanceId, instanceId)).orderBy(desc(deploys.number)).limit(limit);
    },
    /** The deploy the instance runs now (at most one is live). */
    async live(instanceId: string): Promise<Deploy | undefined> {
      const [row] = await db
        .select()
        .from(deploys)
        .where(and(eq(deploys.instanceId, instanceId), eq(deploys.status, "live")));
      return row;
    },
    async withStatus(instanceId: string, status: DeployStatus): Promise<Deploy[]> {
      return db
        .select()
        .from(deploys)
        .where(and(eq(deploys.instanceId, instanceId), eq(deploys.status, status)));
    },
    async setStatus(deployId: string, status: DeployStatus, message: string | null = null): Promise<void> {
      const finished = status === "pending" || status === "deploying" ? null : now();
      await db.update(deploys).set({ status, message, finishedAt: finished }).where(eq(deploys.id, deployId));
    },
  };
}
