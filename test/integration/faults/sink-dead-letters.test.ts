import { describe, expect, it } from 'vitest';
import { deadLetterTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { topicCatalogue } from '../../../src/topics/index.ts';
import { Worker } from '../../../src/worker/worker.ts';
import { bridgeRun, crmTally, TOKENS } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { testMessaging } from '../../support/kafka.ts';
import { readCommittedRaw } from '../../support/processor.ts';
import { recordingMessaging } from '../../support/recording-messaging.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

describe('fault path 1: a 4xx from the CRM', () => {
  it('dead-letters the refused status once and moves on; every topic a stage wrote to exists', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const { messaging, written } = recordingMessaging(testMessaging());
    const worker = new Worker({
      config: run.config,
      logger: createLogger({ level: 'silent' }),
      messaging,
      env: TOKENS,
    });
    await worker.start();
    cleanup.push(() => worker.stop());
    const tickets = Array.from({ length: 6 }, () =>
      run.crm.createTicket({ serviceCode: 'GRASS', contact: { name: 'A Resident', email: null, phone: null } }),
    );
    const doomed = tickets[0]?.id ?? '';
    await until('the first status of every ticket', () => tickets.every((t) => t.statusVersion >= 1), 60_000);

    // An administrator purges one ticket in the CRM: every later status for it answers 404.
    run.crm.deleteTicket(doomed);
    const deletedAt = Date.now();
    run.work();
    await until(
      'the purged ticket dead-lettered',
      () => (worker.status().sinks['crm-rest']?.deadLettered ?? 0) > 0,
      60_000,
    );
    const detectedAfterMs = Date.now() - deletedAt;
    await until('every other ticket closed and all work done', () => run.done(), 120_000);
    await worker.stop();

    const dead = await readCommittedRaw(testMessaging(), deadLetterTopic(run.config.topics.status));
    expect(dead.length).toBeGreaterThan(0);
    expect(new Set(dead.map((r) => r.key?.toString('utf8')))).toEqual(new Set([doomed]));
    // Each status went to the CRM once: applied, or refused and dead-lettered; none re-sent.
    expect(run.crm.statusRequests).toBe(run.crm.applied.length + dead.length);
    const tally = crmTally(run.crm);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });

    // Every topic any stage wrote to is one of the catalogue's, and exists.
    const admin = testMessaging().admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin.disconnect();
    const catalogue = new Set(topicCatalogue(run.config).map((e) => e.topic));
    expect([...written].filter((t) => !catalogue.has(t))).toEqual([]);
    expect([...catalogue].filter((t) => !existing.has(t))).toEqual([]);
    recordFault({ path: '1 sink 4xx, dead-letter topic', detectedAfterMs, recovered: run.done(), ...tally });
  }, 240_000);
});
