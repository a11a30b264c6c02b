import type { Command, Option } from 'commander';

/**
 * Refuses an option whose value is another of the command's options. Commander gives a value-taking
 * option the next word whatever it is, so `import --rejects --dry-run` wrote the rejects to a file
 * named "--dry-run" and then imported for real, and `dlq replay --by --again` replayed without
 * --again, recorded as done by "--again". Only a word that names an option of the command (or of
 * a command above it) is refused: a value that merely starts with "-" (a negative number, a
 * reason) stays the value, and the option's own check judges it.
 */
export function refuseOptionsAsValues(program: Command, refuse: (command: Command, message: string) => never): void {
  const valued = program.options.filter((o) => o.required || o.optional);
  if (valued.length > 0) {
    program.hook('preAction', (command) => {
      const known = flagsOf(command);
      for (const option of valued) {
        const given = command.getOptionValue(option.attributeName()) as unknown;
        const words = Array.isArray(given) ? given : [given];
        const flag = words.find((w): w is string => typeof w === 'string' && known.has(w.split('=')[0] ?? w));
        if (flag !== undefined)
          refuse(
            command,
            `option '${option.flags}' was given the option '${flag}' as its value: give the value right after it`,
          );
      }
    });
  }
  for (const command of program.commands) refuseOptionsAsValues(command, refuse);
}

/** Every flag of the command and the commands above it, long and short, with --no- forms. */
function flagsOf(command: Command): Set<string> {
  const flags = new Set<string>(['--help', '-h']);
  for (let c: Command | null = command; c; c = c.parent) {
    for (const o of c.options as readonly Option[]) {
      if (o.long) flags.add(o.long);
      if (o.short) flags.add(o.short);
    }
  }
  return flags;
}
