import { colorsFor, type Colors } from "./colors";
import { renderFields, renderTable, type Column } from "./table";

/** A stream the CLI writes to (process.stdout/stderr, or a test's buffer). */
export type OutStream = { write(text: string): unknown; isTTY?: boolean };

/**
 * Where a command's output goes. Results (tables, outcomes, JSON) go to stdout; progress and
 * notes to stderr, so `--json` output stays parseable and a pipe gets only the result.
 */
export type Output = {
  readonly json: boolean;
  readonly colors: Colors;
  /** A result line for people (stdout). */
  line(text?: string): void;
  /** A progress or advice line (stderr, dimmed on a terminal). */
  note(text: string): void;
  /** The value as pretty JSON on stdout (the `--json` result). */
  printJson(value: unknown): void;
  table<Row>(columns: Column<Row>[], rows: Row[]): void;
  fields(fields: Array<[label: string, value: string]>): void;
};

/** Output to the given streams; colors only on a terminal without NO_COLOR. */
export function createOutput(io: { stdout: OutStream; stderr: OutStream }, options: { json: boolean; noColor: boolean }): Output {
  const colors = colorsFor(io.stdout, options.noColor);
  const noteColors = colorsFor(io.stderr, options.noColor);
  const line = (text = "") => void io.stdout.write(`${text}\n`);
  return {
    json: options.json,
    colors,
    line,
    note: (text) => void io.stderr.write(`${noteColors.dim(text)}\n`),
    printJson: (value) => line(JSON.stringify(value, null, 2)),
    table: (columns, rows) => renderTable(columns, rows).forEach((l) => line(l)),
    fields: (fields) => renderFields(fields).forEach((l) => line(l)),
  };
}
