import { describe, expect, it } from "vitest";
import {
  bearerSecretFormat,
  bearerSecretView,
  checkBearerSecret,
  hashBearerSecret,
  lastUsedResolutionMs,
  verifyBearerSecret,
  type StoredBearerSecret,
} from "./bearer-secrets";

const formats = [bearerSecretFormat("pbk"), bearerSecretFormat("pbt")];

describe.each(formats)("bearer secret format $kind", (format) => {
  const k = format.kind;

  it("generates <kind>_<12-char id>_<43-char secret> with a matching hash", () => {
    const s = format.generate();
    expect(s.secret).toMatch(new RegExp(`^${k}_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$`));
    expect(s.prefix).toBe(`${k}_${s.id}`);
    expect(s.hash).toBe(hashBearerSecret(s.secret));
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(format.parse(s.secret)).toEqual({ id: s.id });
  });

  it("never repeats secrets", () => {
    expect(new Set(Array.from({ length: 200 }, () => format.generate().secret)).size).toBe(200);
  });

  it.each([
    "",
    `${k}_`,
    `${k}_short_secret`,
    `xyz_abcdefghijkl_${"a".repeat(43)}`,
    `${k}_abcdefghijkl_${"a".repeat(42)}`,
    `${k}_abcdefghijkl_${"a".repeat(43)}x`,
  ])("rejects malformed %j", (s) => expect(format.parse(s)).toBeNull());

  it("does not take the other kind's secrets", () => {
    const other = formats.find((f) => f.kind !== k)!.generate().secret;
    expect(format.parse(other)).toBeNull();
    expect(format.fromAuthorization(`Bearer ${other}`)).toBeNull();
  });

  it.each([
    [`Bearer ${k}_x`, `${k}_x`],
    [`bearer   ${k}_x `, `${k}_x`],
    [`${k}_x`, `${k}_x`],
    ["Bearer eyJhbGci", null],
    [`Basic ${k}_x`, null],
    [null, null],
  ])("reads %j from Authorization", (header, expected) => expect(format.fromAuthorization(header)).toBe(expected));
});

describe("verifyBearerSecret", () => {
  it("verifies only the exact secret", () => {
    const s = formats[0]!.generate();
    expect(verifyBearerSecret(s.secret, s.hash)).toBe(true);
    expect(verifyBearerSecret(`${s.secret.slice(0, -1)}${s.secret.endsWith("A") ? "B" : "A"}`, s.hash)).toBe(false);
    expect(verifyBearerSecret(s.secret, "00")).toBe(false);
  });

  it("refuses a kind it was not made for", () => {
    expect(() => bearerSecretFormat("PBK")).toThrow();
    expect(() => bearerSecretFormat("p.k")).toThrow();
  });
});

describe("checkBearerSecret", () => {
  const format = bearerSecretFormat("pbt");
  const store = (rows: Map<string, StoredBearerSecret>, uses: Array<[string, Date]>) => ({
    findLive: (id: string) => Promise.resolve(rows.get(id)),
    recordUse: (id: string, now: Date) => {
      uses.push([id, now]);
      const row = rows.get(id);
      if (row) row.lastUsedAt = now;
      return Promise.resolve();
    },
  });

  it("returns the live row for the exact secret and records its use at most once a minute", async () => {
    const s = format.generate();
    const rows = new Map([[s.id, { id: s.id, hash: s.hash, lastUsedAt: null as Date | null }]]);
    const uses: Array<[string, Date]> = [];
    const t0 = new Date("2030-01-01T00:00:00Z");
    expect(await checkBearerSecret(format, store(rows, uses), s.secret, t0)).toMatchObject({ id: s.id });
    await checkBearerSecret(format, store(rows, uses), s.secret, new Date(t0.getTime() + lastUsedResolutionMs - 1));
    expect(uses).toHaveLength(1);
    await checkBearerSecret(format, store(rows, uses), s.secret, new Date(t0.getTime() + lastUsedResolutionMs));
    expect(uses).toHaveLength(2);
  });

  it("returns null for a wrong secret under a real id, an unknown id, and a malformed string, recording nothing", async () => {
    const s = format.generate();
    const rows = new Map([[s.id, { id: s.id, hash: s.hash, lastUsedAt: null as Date | null }]]);
    const uses: Array<[string, Date]> = [];
    const now = new Date();
    const forged = `pbt_${s.id}_${format.generate().secret.slice(-43)}`;
    for (const presented of [forged, format.generate().secret, "pbt_nonsense"]) {
      expect(await checkBearerSecret(format, store(rows, uses), presented, now)).toBeNull();
    }
    expect(uses).toEqual([]);
  });
});

describe("bearerSecretView", () => {
  it("lists the prefix and dates, nothing secret", () => {
    const format = bearerSecretFormat("pbk");
    const view = bearerSecretView(format, { id: "abcdefghijkl", name: "CI", createdAt: new Date(0), lastUsedAt: null, revokedAt: new Date(1000) });
    expect(view).toEqual({
      id: "abcdefghijkl",
      name: "CI",
      prefix: "pbk_abcdefghijkl",
      createdAt: "1970-01-01T00:00:00.000Z",
      lastUsedAt: null,
      revokedAt: "1970-01-01T00:00:01.000Z",
    });
  });
});
