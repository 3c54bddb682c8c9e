import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { NotFoundError } from "../../lib/errors";
import { CODE_ROOTS, type EntryKind } from "./bundle-rules";
import type { BundleEntry } from "./read-bundle";

/**
 * Templates are deploy bundles kept in the repository as plain folders: `templates/<id>/` holds
 * any of the code folders and a `template.json` with its name and description.
 */
export type Template = { id: string; name: string; description: string };

const templatesDir = path.resolve(import.meta.dirname, "../../templates");

const metaSchema = z.object({ name: z.string().min(1), description: z.string() });
const TEMPLATE_ID = /^[a-z0-9-]{1,40}$/;

/** Every template, by id. */
export function listTemplates(dir = templatesDir): Template[] {
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  return entries
    .filter((e) => e.isDirectory() && TEMPLATE_ID.test(e.name) && fs.existsSync(path.join(dir, e.name, "template.json")))
    .map((e) => ({ id: e.name, ...metaSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, e.name, "template.json"), "utf8"))) }))
    .sort((a, b) => (a.id === "blank" ? -1 : b.id === "blank" ? 1 : a.name.localeCompare(b.name)));
}

/** The template, or 422-worthy NotFound when there is none of that id. */
function findTemplate(id: string, dir = templatesDir): Template {
  const template = listTemplates(dir).find((t) => t.id === id);
  if (!template) throw new NotFoundError(`There is no template "${id}".`);
  return template;
}

/** A template's files as bundle entries, read straight from its folder (links are reported as links). */
export async function* templateEntries(id: string, dir = templatesDir): AsyncGenerator<BundleEntry> {
  const root = path.join(dir, findTemplate(id, dir).id);
  for (const top of CODE_ROOTS) {
    if (!fs.existsSync(path.join(root, top))) continue;
    for (const entry of fs.readdirSync(path.join(root, top), { withFileTypes: true, recursive: true })) {
      const full = path.join(entry.parentPath, entry.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      const kind: EntryKind = entry.isSymbolicLink() ? "symlink" : entry.isDirectory() ? "directory" : entry.isFile() ? "file" : "other";
      const stat = kind === "file" ? fs.statSync(full) : null;
      yield { path: rel, kind, mode: stat?.mode ?? 0o755, size: stat?.size ?? 0, body: stat ? fs.createReadStream(full) : null };
    }
  }
}
