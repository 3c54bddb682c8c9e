import cliProgress from "cli-progress";
import { formatBytes } from "./format";

/** Shows how much of an upload has been sent. */
export type Progress = { update(sentBytes: number): void; stop(): void };

type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * A progress bar on a terminal (cli-progress); elsewhere (CI logs) a plain line at each quarter,
 * so logs stay readable.
 */
export function uploadProgress(stream: ProgressStream, totalBytes: number, label = "Uploading"): Progress {
  return stream.isTTY ? barProgress(stream, totalBytes, label) : lineProgress(stream, totalBytes, label);
}

function barProgress(stream: ProgressStream, totalBytes: number, label: string): Progress {
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {sent} of {size}`,
    barCompleteChar: "\u2588",
    barIncompleteChar: "\u2591",
    barsize: 30,
    // The terminal's cursor and line wrapping are left alone, so an interrupted upload (Ctrl-C) cannot leave them changed.
    linewrap: null,
    fps: 10,
  });
  const size = formatBytes(totalBytes);
  bar.start(Math.max(totalBytes, 1), 0, { sent: formatBytes(0), size });
  return {
    update: (sent) => bar.update(sent, { sent: formatBytes(sent), size }),
    stop: () => bar.stop(),
  };
}

function lineProgress(stream: ProgressStream, totalBytes: number, label: string): Progress {
  let shownQuarter = 0;
  stream.write(`${label} ${formatBytes(totalBytes)}\n`);
  return {
    update(sent) {
      const quarter = totalBytes === 0 ? 4 : Math.floor((sent / totalBytes) * 4);
      if (quarter <= shownQuarter) return;
      shownQuarter = quarter;
      stream.write(`  ${quarter * 25}% sent (${formatBytes(sent)} of ${formatBytes(totalBytes)})\n`);
    },
    stop: () => undefined,
  };
}
