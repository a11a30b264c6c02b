import type { z } from 'zod';
import { CloseloopError } from '../errors/index.ts';

/** Validates a connector's config, reporting every problem at once, and freezes it. */
export function parseConnectorConfig<Config extends z.ZodType>(
  name: string,
  schema: Config,
  raw: unknown,
): z.infer<Config> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${name}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CloseloopError('CL_CONFIG_INVALID', `invalid ${name} connector config:\n${problems.join('\n')}`, {
      details: { connector: name, problems },
    });
  }
  return Object.freeze(parsed.data) as z.infer<Config>;
}
