import type { Command } from 'commander';

/**
 * Moves the check of every `requiredOption` of `program` and its commands after commander's check
 * of unknown options. Commander checks required options first, so `import --fille x.csv` was
 * answered "required option '--file' not specified", with no word of the typo or the suggestion
 * it makes for it. Checked in a preAction hook instead, which runs after the unknown options, and
 * naming every missing one at once.
 */
export function requireAfterUnknown(program: Command, refuse: (command: Command, message: string) => never): void {
  const required = program.options.filter((o) => o.mandatory);
  if (required.length > 0) {
    for (const option of required) {
      option.mandatory = false;
      // Help marked them from commander's own flag only: said in the description, as the options
      // checked by hand say it.
      if (!option.description.includes('(required')) option.description = `${option.description} (required)`;
    }
    program.hook('preAction', (command) => {
      const missing = required.filter((o) => command.getOptionValue(o.attributeName()) === undefined);
      if (missing.length === 0) return;
      const names = missing.map((o) => `'${o.flags}'`).join(', ');
      refuse(command, `required option${missing.length > 1 ? 's' : ''} ${names} not specified`);
    });
  }
  for (const command of program.commands) requireAfterUnknown(command, refuse);
}
