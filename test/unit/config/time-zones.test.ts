import { appendFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { posseConfig } from '../../../connectors/posse/config.ts';
import { runVolume } from '../../../src/cli/volume-command.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { calendarDefinitionSchema } from '../../../src/config/sla-schema.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { parseImportMapping } from '../../../src/import/mapping.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { testConfig } from '../../support/processor.ts';

const EST =
  '"EST" is a legacy name for a fixed offset, UTC-05:00 all year with no daylight saving (the clock of ' +
  'America/Panama): write the Area/Location zone of the place meant (e.g. America/New_York), or Etc/GMT+5 ' +
  'for a fixed offset';

// EST is a valid IANA name, so it was taken: a city on US Eastern time had every SLA deadline and
// every month's boundary an hour off from March to November, with nothing said. The rule itself
// is tested in test/unit/sdk/time-zone.test.ts.
describe('a legacy time zone (EST, US/Eastern)', () => {
  it('is refused in the config, the SLA calendars, connector settings, import mappings and kpi volume', async () => {
    const { file, config } = await testConfig(1, 30, { brokers: 'in-memory:1', registryUrl: 'http://127.0.0.1:1' });
    await appendFile(file, '\nstatusApi: { timeZone: EST }\n');
    const err = await loadConfig(file, {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloseloopError);
    expect((err as CloseloopError).details['problems']).toEqual([`${file}: statusApi.timeZone: ${EST}`]);

    const issues = (schema: z.ZodType, input: unknown): string[] =>
      schema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues(calendarDefinitionSchema, { name: 'city', timeZone: 'EST' })).toEqual([`timeZone: ${EST}`]);
    const posse = { baseUrl: 'http://127.0.0.1:1', jurisdiction: 'x', departments: ['housing'], timeZone: 'EST' };
    expect(issues(posseConfig, posse)).toEqual([`timeZone: ${EST}`]);

    const mapping = { jurisdiction: 'x', source: 'x', timeZone: 'US/Eastern', dateFormats: ['iso'] };
    expect(() => parseImportMapping(mapping, 'city.yaml')).toThrow(
      'timeZone: "US/Eastern" is a legacy name, not an IANA Area/Location zone: write America/New_York',
    );

    const said: string[] = [];
    const code = await runVolume(
      { timeZone: 'EST' },
      config,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => said.push(l),
    );
    expect(code).toBe(2);
    expect(said.join('\n')).toContain(`--time-zone: ${EST}`);
  });
});
