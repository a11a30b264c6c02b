import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { crmRest } from '../../connectors/crm-rest/index.ts';
import { CrmSimulator } from '../../connectors/crm-rest/simulator.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { SourceRunner } from '../../src/runtime/index.ts';
import { parseConnectorConfig } from '../../src/sdk/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { awaitCount, readCommittedRaw, testConfig } from '../support/processor.ts';
import { until } from '../support/wait.ts';

const cleanup = cleanupAfter('all');

/** `closeloop <args>` in process: what it printed and its exit code. */
async function closeloop(...args: string[]): Promise<{ out: string[]; code: number | string }> {
  const out: string[] = [];
  let code: number | string = -1;
  const program = buildProgram({ print: (l) => out.push(l), printError: (l) => out.push(l) }, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'closeloop', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.code;
  }
  return { out, code };
}

describe('closeloop source cursor on the real broker', () => {
  // A CRM restored from a backup with its change feed: the source warns CL_SOURCE_CURSOR_BEHIND,
  // and the operator moves the cursor back with the command while the worker's runner runs.
  it('moves a running source back to where its feed went, fencing the runner, which then reads the changes it missed', async () => {
    const crm = new CrmSimulator({ token: 'tok' });
    const url = await crm.start();
    cleanup.push(() => crm.stop());
    const instance = {
      name: 'crm-rest',
      source: true,
      sink: false,
      fencedRetryMs: 1_000,
      config: { baseUrl: url, jurisdiction: 'testville' },
    };
    const { config, file } = await testConfig(1, 30, { connectors: [instance] });
    const topic = config.topics.crmEvents;
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    await admin.disconnect();
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    await serde.register(subjectForTopic(topic), (await readSchemaFile('schemas/crm.ticket-events.v1.avsc')).schema);

    const logger = createLogger({ level: 'silent' });
    const settings = parseConnectorConfig('crm-rest', crmRest.config, { ...instance.config, pageSize: 2 });
    const source = crmRest.source?.(settings, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
    if (!source) throw new Error('no source');
    // As the worker names it: the key and the transactional id the command takes.
    const runner = new SourceRunner({
      connector: 'crm-rest',
      cursorKey: `crm-rest:${config.jurisdiction}`,
      cursorTopic: config.topics.cursors,
      topic,
      source,
      messaging,
      serde,
      logger,
      pollIntervalMs: 100,
      probeIntervalMs: 100,
      fencedRetryMs: instance.fencedRetryMs,
      behindCheckMs: 200,
      retry: { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 20 },
    });

    for (let i = 0; i < 3; i += 1) crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    const backup = crm.snapshot();
    for (let i = 0; i < 2; i += 1) crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    await runner.start();
    cleanup.push(() => runner.stop());
    await until('the feed read to 5', () => runner.status().cursor === '5', 30_000);
    const cursorOpt = ['--config', file];
    expect(await closeloop('source', 'cursor', 'crm-rest', ...cursorOpt)).toEqual({
      out: [`crm-rest source cursor (crm-rest:testville on ${config.topics.cursors}): 5`],
      code: 0,
    });

    crm.restoreBackup(backup, { feed: true });
    const behind = () => runner.status().warnings.some((w) => w.code === 'CL_SOURCE_CURSOR_BEHIND');
    await until('the warning', behind, 30_000);
    // Two tickets opened in the restored CRM take seqs 4 and 5: unread while the cursor is 5.
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });
    crm.createTicket({ serviceCode: 'SR-GRAFFITI' });

    const moved = await closeloop('source', 'cursor', 'crm-rest', '--set', '3', ...cursorOpt);
    expect(moved.code).toBe(0);
    expect(moved.out[0]).toBe(
      `moved the crm-rest source cursor (crm-rest:testville on ${config.topics.cursors}) from 5 to 3`,
    );
    expect(moved.out[1]).toMatch(/^a worker running the crm-rest source is fenced by this: .* for 1 s, then reads on/);

    await awaitCount(messaging, topic, 7);
    await until('the warning gone', () => !behind() && runner.status().pausedBy === null, 30_000);
    expect(runner.status().cursor).toBe('5');
    const keys = (await readCommittedRaw(messaging, topic)).map((r) => r.key?.toString());
    expect(keys).toEqual(['SR-000001', 'SR-000002', 'SR-000003', 'SR-000004', 'SR-000005', 'SR-000006', 'SR-000007']);
    expect((await closeloop('source', 'cursor', 'crm-rest', ...cursorOpt)).out).toEqual([
      `crm-rest source cursor (crm-rest:testville on ${config.topics.cursors}): 5`,
    ]);
  }, 120_000);
});
