import type { Command } from 'commander';

/**
 * `closeloop help [command...]`, in place of commander's own. That one answered a name it did not
 * know with the whole program's help and exit 2, and no word that the name was unknown: `closeloop
 * help reconcil` read like a list the command was missing from. This one walks nested commands
 * (`help dlq replay`) and refuses an unknown name as any other usage error is refused, naming the
 * commands there are. Added last, so that it is listed last, as commander lists its own; and to
 * every command that has subcommands (`closeloop dlq help replay`), as commander adds its own.
 */
export function addHelpCommand(
  program: Command,
  refuse: (command: Command, message: string) => never,
  exit: (code: number) => void,
): void {
  for (const command of program.commands) if (command.commands.length > 0) addHelpCommand(command, refuse, exit);
  program.helpCommand(false);
  program
    .command('help')
    .argument('[command...]', 'a command, and a subcommand of it')
    .description('display help for command')
    .action((names: string[]) => {
      let command = program;
      for (const [i, name] of names.entries()) {
        const next = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!next) {
          const known = command.commands.map((c) => c.name()).filter((n) => n !== 'help');
          const where = [...(program.parent ? [program.name()] : []), ...names.slice(0, i + 1)].join(' ');
          refuse(command, `unknown command '${where}'; the commands are ${known.join(', ')}`);
        }
        command = next;
      }
      command.outputHelp();
      exit(0);
    });
}
