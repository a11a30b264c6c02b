import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import type { CloseloopConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';

describe('alerts ack --id', () => {
  it.each(['', '   '])('refuses a blank id (%j) as a usage error, before anything connects', async (id) => {
    const errors: string[] = [];
    const code = await runAlerts(
      'ack',
      // No kafka section: a command that got as far as connecting would fail on it.
      {} as CloseloopConfig,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
      { id, by: 'ops@city' },
    );
    expect(code).toBe(2);
    expect(errors).toEqual([expect.stringMatching(/^closeloop: CL_ARGUMENT_INVALID: --id must be an alert id/)]);
  });
});
