import { stripAnsi } from "./colors";

/** One column: its header and how a row shows in it. */
export type Column<Row> = { header: string; value: (row: Row) => string };

/**
 * Rows as aligned columns under upper-case headers, two spaces apart, no trailing spaces. Widths
 * ignore color codes so colored cells line up.
 */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[]): string[] {
  const cells = [columns.map((c) => c.header.toUpperCase()), ...rows.map((row) => columns.map((c) => oneLine(c.value(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => stripAnsi(line[i] ?? "").length)));
  return cells.map((line) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - stripAnsi(cell).length)))
      .join("  ")
      .trimEnd(),
  );
}

/** Label/value pairs, labels aligned: the detail view of one object. */
export function renderFields(fields: Array<[label: string, value: string]>): string[] {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 1)}  ${oneLine(value)}`.trimEnd());
}

/** A cell never breaks the table: newlines and tabs become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ");
}
