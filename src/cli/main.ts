#!/usr/bin/env node
// The closeloop command; `closeloop --help` lists its commands, `closeloop <command> --help` their options.
import { CommanderError } from 'commander';
import { messageOf } from '../errors/index.ts';
import { buildProgram } from './program.ts';

let code = 0;
const program = buildProgram({ print: (l) => console.log(l), printError: (l) => console.error(l) }, (c) => (code = c));

program.parseAsync(process.argv).then(
  () => process.exit(code),
  (err: unknown) => {
    if (err instanceof CommanderError) {
      // Help and version are answers; anything else commander refused is a usage error.
      const answered = ['commander.helpDisplayed', 'commander.version'].includes(err.code);
      process.exit(answered ? 0 : 2);
    }
    console.error(`closeloop: ${messageOf(err)}`);
    process.exit(1);
  },
);
