import { describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/alerts-command.ts';
import { runOps } from '../../src/cli/ops-commands.ts';
import { runVolume } from '../../src/cli/volume-command.ts';
import type { CloseloopConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testConfig } from '../support/processor.ts';

const logger = createLogger({ level: 'silent' });
const ignore = () => undefined;

// A pipeline whose processor never ran: testConfig names topics of its own, none created.
const commands: [string, (c: CloseloopConfig) => Promise<number>, (c: CloseloopConfig) => string][] = [
  ['alerts list', (c) => runAlerts('list', c, logger, ignore, ignore), (c) => c.topics.alerts],
  [
    'alerts ack',
    (c) => runAlerts('ack', c, logger, ignore, ignore, { id: 'RECORDS_SKIPPED|x', by: 'ops@city' }),
    (c) => c.topics.alerts,
  ],
  ['quarantine list', (c) => runOps('quarantine', 'list', {}, c, logger, ignore, ignore), (c) => c.topics.quarantine],
  ['kpi volume', (c) => runVolume({}, c, logger, ignore, ignore), (c) => c.topics.status],
];

describe('an ops command on topics that do not exist yet', () => {
  it.each(commands)('%s says which, at once, as kpi --month does', async (_name, run, topic) => {
    const { config } = await testConfig();
    const started = Date.now();
    const failure = await run(config).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({
      code: 'CL_CONFIG_INVALID',
      message: `topic(s) ${topic(config)} do not exist: check topics in the config, or start the processor once to create them`,
    });
    // Without the check, the client retries for about 12 s before it gives up.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
