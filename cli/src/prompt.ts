import readline from "node:readline/promises";
import { CliError } from "./errors";
import type { OutStream } from "./output/output";

/** The terminal a question is asked on: questions go to stderr, answers come from stdin. */
export type PromptIo = { stdin: NodeJS.ReadStream; stderr: OutStream & NodeJS.WritableStream };

/** Whether a person can be asked: stdin and stderr are both a terminal. */
export function canPrompt(io: { stdin: { isTTY?: boolean }; stderr: { isTTY?: boolean } }): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true;
}

/** One line of input, echoed. */
export async function ask(io: PromptIo, question: string): Promise<string> {
  const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** A yes/no question; only "y" or "yes" is a yes. */
export async function confirm(io: PromptIo, question: string): Promise<boolean> {
  return /^y(es)?$/i.test(await ask(io, `${question} [y/N] `));
}

/** One line of input that is not echoed (a token): the terminal is put in raw mode while typing. */
export function askHidden(io: PromptIo, question: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (err?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write("\n");
      if (err) reject(err);
      else resolve(value.trim());
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u0003") return finish(new CliError("cancelled.", { exitCode: 130 }));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
