/** ANSI styles that are plain text when colors are off (not a terminal, NO_COLOR, TERM=dumb). */
export type Colors = {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
};

const style = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/** Colors for a stream: only when it is a terminal and the user has not asked for none. */
export function colorsFor(stream: { isTTY?: boolean }, noColor: boolean): Colors {
  const enabled = stream.isTTY === true && !noColor;
  if (!enabled) return { enabled, bold: plain, dim: plain, green: plain, yellow: plain, red: plain };
  return { enabled, bold: style(1, 22), dim: style(2, 22), green: style(32, 39), yellow: style(33, 39), red: style(31, 39) };
}

/** The text without ANSI styles, for measuring column widths. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
