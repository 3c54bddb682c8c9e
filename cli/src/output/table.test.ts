import { describe, expect, it } from "vitest";
import { colorsFor } from "./colors";
import { createOutput } from "./output";
import { renderFields, renderTable } from "./table";

type Row = { name: string; status: string };
const columns = [
  { header: "name", value: (r: Row) => r.name },
  { header: "status", value: (r: Row) => r.status },
];

describe("renderTable", () => {
  it("aligns columns under upper-case headers without trailing spaces", () => {
    expect(
      renderTable(columns, [
        { name: "my-app", status: "running" },
        { name: "a", status: "stopped" },
      ]),
    ).toEqual(["NAME    STATUS", "my-app  running", "a       stopped"]);
  });

  it("measures colored cells by their visible text", () => {
    const colors = colorsFor({ isTTY: true }, false);
    const lines = renderTable(
      [{ header: "s", value: (r: Row) => colors.green(r.status) }, columns[0]!],
      [
        { name: "x", status: "ok" },
        { name: "y", status: "longer" },
      ],
    );
    expect(lines[1]).toBe(`${colors.green("ok")}      x`);
    expect(lines[2]).toBe(`${colors.green("longer")}  y`);
  });

  it("keeps a row on one line", () => {
    expect(renderTable(columns, [{ name: "a\nb", status: "c\td" }])[1]).toBe("a b   c d");
  });

  it("prints only the headers for no rows", () => {
    expect(renderTable(columns, [])).toEqual(["NAME  STATUS"]);
  });
});

describe("renderFields", () => {
  it("aligns values after their labels", () => {
    expect(
      renderFields([
        ["ID", "x"],
        ["Status", "running"],
        ["URL", ""],
      ]),
    ).toEqual(["ID:      x", "Status:  running", "URL:"]);
  });
});

describe("output", () => {
  function capture(isTTY: boolean) {
    const written = { stdout: "", stderr: "" };
    const stream = (key: "stdout" | "stderr") => ({ isTTY, write: (text: string) => (written[key] += text) });
    return { written, io: { stdout: stream("stdout"), stderr: stream("stderr") } };
  }

  it("has no colors off a terminal or with NO_COLOR", () => {
    expect(colorsFor({ isTTY: false }, false).red("x")).toBe("x");
    expect(colorsFor({ isTTY: true }, true).red("x")).toBe("x");
    expect(colorsFor({ isTTY: true }, false).red("x")).toBe("\u001b[31mx\u001b[39m");
  });

  it("sends results to stdout and notes to stderr", () => {
    const { written, io } = capture(false);
    const out = createOutput(io, { json: true, noColor: false });
    out.printJson({ a: 1 });
    out.note("working…");
    expect(JSON.parse(written.stdout)).toEqual({ a: 1 });
    expect(written.stderr).toBe("working…\n");
  });
});
