import { randomUUID } from "node:crypto";
import PocketBase, { type RecordModel } from "pocketbase";
import { expect } from "vitest";

/** Where an instance deployed from `templates/moodboard` answers. */
export type MoodboardTarget = {
  /** The instance's base URL, e.g. `http://<sub>.localhost:<gatewayPort>`. */
  url: string;
  /**
   * Sends every request (SDK and plain): pass `GatewayClient.fetch` when `url` is a
   * `*.localhost` name Node cannot resolve. Defaults to the global fetch.
   */
  fetch?: typeof fetch;
};

type Board = RecordModel & { title: string; owner: string; collaborators: string[]; visibility: string };
type User = { pb: PocketBase; id: string };

const PASSWORD = "moodboard-pass-1";

/** An SDK client for `target`; the custom fetch goes in through `beforeSend` (SendOptions.fetch). */
function client(target: MoodboardTarget): PocketBase {
  const pb = new PocketBase(target.url);
  pb.autoCancellation(false);
  const routed = target.fetch;
  if (routed) pb.beforeSend = (url, options) => ({ url, options: { ...options, fetch: routed } });
  return pb;
}

/** Signs a new user up through the `users` collection and signs them in. */
async function signUp(target: MoodboardTarget, email: string): Promise<User> {
  const pb = client(target);
  const created = await pb.collection("users").create({ email, password: PASSWORD, passwordConfirm: PASSWORD });
  await pb.collection("users").authWithPassword(email, PASSWORD);
  return { pb, id: created.id };
}

async function visibleBoardIds(pb: PocketBase): Promise<string[]> {
  return (await pb.collection("boards").getFullList<Board>()).map((b) => b.id);
}

/** The sign-up hook gave the owner exactly one private "My First Board". */
async function expectFirstBoard(owner: User): Promise<Board> {
  const boards = await owner.pb.collection("boards").getFullList<Board>();
  expect(boards).toHaveLength(1);
  const board = boards[0]!;
  expect(board).toMatchObject({ title: "My First Board", owner: owner.id, visibility: "private", collaborators: [] });
  expect(board.created).toBeTruthy();
  return board;
}

/** Private boards are hidden from others; a public one is visible to anyone, signed in or not. */
async function expectVisibility(owner: User, outsider: User, anonymous: PocketBase, board: Board): Promise<void> {
  expect(await visibleBoardIds(outsider.pb)).not.toContain(board.id);
  await expect(outsider.pb.collection("boards").getOne(board.id)).rejects.toMatchObject({ status: 404 });
  await expect(anonymous.collection("boards").getOne(board.id)).rejects.toMatchObject({ status: 404 });
  // A board without collaborators must not let anonymous requests in through the collaborator check.
  expect(await visibleBoardIds(anonymous)).toEqual([]);
  const anonymousPin = anonymous.collection("pins").create({ board: board.id, type: "note", title: "Spam", added_by: owner.id });
  await expect(anonymousPin).rejects.toMatchObject({ status: 400 });

  await owner.pb.collection("boards").update(board.id, { visibility: "public" });
  expect(await visibleBoardIds(outsider.pb)).toContain(board.id);
  expect((await anonymous.collection("boards").getOne<Board>(board.id)).title).toBe("My First Board");

  // Only the owner may change a board, even a public one.
  await expect(outsider.pb.collection("boards").update(board.id, { title: "Taken" })).rejects.toMatchObject({ status: 404 });
}

/** `@request.auth.id ?= collaborators.id`: every collaborator of a private board sees it and pins to it. */
async function expectCollaboration(owner: User, outsider: User, collaborators: [User, User], board: Board): Promise<void> {
  await owner.pb.collection("boards").update(board.id, { visibility: "private", collaborators: collaborators.map((c) => c.id) });
  expect(await visibleBoardIds(outsider.pb)).not.toContain(board.id);
  for (const collaborator of collaborators) expect(await visibleBoardIds(collaborator.pb)).toContain(board.id);

  const [, second] = collaborators;
  const pin = await second.pb.collection("pins").create({ board: board.id, type: "note", title: "Warm palette", added_by: second.id });
  const filter = owner.pb.filter("board = {:board}", { board: board.id });
  expect((await owner.pb.collection("pins").getFullList({ filter })).map((p) => p.id)).toEqual([pin.id]);
  expect(await outsider.pb.collection("pins").getFullList({ filter })).toHaveLength(0);

  const intruding = outsider.pb.collection("pins").create({ board: board.id, type: "note", title: "Spam", added_by: outsider.id });
  await expect(intruding).rejects.toMatchObject({ status: 400 });
}

/** The template's pb_public/index.html is served at `/`. */
async function expectLandingPage(target: MoodboardTarget): Promise<void> {
  const res = await (target.fetch ?? fetch)(new URL("/", target.url));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await res.text()).toContain("<title>Mood board</title>");
}

/**
 * Drives an instance deployed from `templates/moodboard` with the official SDK: sign-up creates a
 * private "My First Board"; others (anonymous too) cannot see it until it is public; collaborators (`?=`) see a
 * private board and add pins, others cannot; `/` serves the landing page. Emails are unique per
 * call, so it can run repeatedly against one instance. Through the gateway, pass the client's
 * routed fetch: `exerciseMoodboard({ url: gw.url("app"), fetch: gw.fetch })`.
 */
export async function exerciseMoodboard(target: MoodboardTarget): Promise<void> {
  const tag = randomUUID().slice(0, 8);
  const owner = await signUp(target, `owner-${tag}@example.com`);
  const outsider = await signUp(target, `outsider-${tag}@example.com`);
  const collaborators: [User, User] = [await signUp(target, `collab1-${tag}@example.com`), await signUp(target, `collab2-${tag}@example.com`)];
  const board = await expectFirstBoard(owner);
  await expectVisibility(owner, outsider, client(target), board);
  await expectCollaboration(owner, outsider, collaborators, board);
  await expectLandingPage(target);
}
