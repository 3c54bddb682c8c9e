import { randomBytes } from "node:crypto";
import type PocketBase from "pocketbase";
import { expect } from "vitest";

/** What `seedPosts` wrote, to compare after a restore. */
export type Seeded = { titles: string[]; fileRecordId: string; fileBytes: Buffer };

/**
 * Creates a `posts` collection (public rules, a file field) and three records, one with an
 * uploaded file, as a user's app would through the SDK. `pb` must be signed in as superuser.
 */
export async function seedPosts(pb: PocketBase): Promise<Seeded> {
  await pb.collections.create({
    name: "posts",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "attachment", type: "file", maxSelect: 1, maxSize: 20 * 1024 * 1024 },
    ],
  });
  const titles = ["first", "second", "third"];
  for (const title of titles.slice(0, 2)) await pb.collection("posts").create({ title });
  const fileBytes = randomBytes(256 * 1024);
  const form = new FormData();
  form.append("title", titles[2]!);
  form.append("attachment", new Blob([fileBytes]), "notes.bin");
  const record = await pb.collection("posts").create(form);
  return { titles, fileRecordId: record.id, fileBytes };
}

/** Asserts every record and the uploaded file's bytes came back. */
export async function expectPostsIntact(pb: PocketBase, seeded: Seeded, fetcher: typeof fetch): Promise<void> {
  const list = await pb.collection("posts").getFullList();
  expect(list.map((r) => r.title as string).sort()).toEqual([...seeded.titles].sort());
  const record = await pb.collection("posts").getOne(seeded.fileRecordId);
  const res = await fetcher(pb.files.getURL(record, record.attachment as string));
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer()).equals(seeded.fileBytes)).toBe(true);
}
