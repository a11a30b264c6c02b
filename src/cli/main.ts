#!/usr/bin/env node
// The closeloop command; `closeloop --help` lists its commands, `closeloop <command> --help` their options.
import { CommanderError } from 'commander';
import { errorLine } from './describe-error.ts';
import { buildProgram } from './program.ts';

/**
 * Exits once standard output and error have been handed everything written to them: a pipe's
 * reader may be slower than this process (`closeloop dlq list | less`), and what is still queued
 * when the process exits is lost without a word.
 */
async function exit(code: number): Promise<never> {
  const flushed = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => s.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

let code = 0;
const program = buildProgram({ print: (l) => console.log(l), printError: (l) => console.error(l) }, (c) => (code = c));

program.parseAsync(process.argv).then(
  () => exit(code),
  (err: unknown) => {
    // Help and version asked for are answers (commander's exit code 0); anything else commander
    // refused is a usage error, which it has already printed.
    if (err instanceof CommanderError) return exit(err.exitCode === 0 ? 0 : 2);
    console.error(errorLine(err));
    return exit(1);
  },
);
