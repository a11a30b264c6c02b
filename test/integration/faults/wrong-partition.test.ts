import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Violation } from '../../../src/domain/index.ts';
import { partitionFor, type Messaging, type OutgoingRecord } from '../../../src/messaging/index.ts';
import type { Metrics } from '../../../src/observability/metrics.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { repartitionTopic } from '../../../src/topics/index.ts';
import { Worker } from '../../../src/worker/worker.ts';
import { bridgeRun, crmTally, TOKENS } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { testMessaging } from '../../support/kafka.ts';
import { readCommitted, readCommittedRaw } from '../../support/processor.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { until } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

/** librdkafka's default partitioner (consistent_random) for a keyed record: CRC32 of the key. */
const librdkafkaPartition = (key: string | Buffer, partitions: number) => crc32(Buffer.from(key)) % partitions;

/**
 * A real Messaging whose transactional producers place records of `topic` as a librdkafka
 * producer with default settings would, as a CRM vendor's own Kafka integration might.
 */
function foreignPartitioner(inner: Messaging, topic: string, partitions: number): Messaging {
  const place = (records: readonly OutgoingRecord[]): OutgoingRecord[] =>
    records.map((r) => (r.key === null ? r : { ...r, partition: librdkafkaPartition(r.key, partitions) }));
  return wrapMessaging(inner, {
    transaction: (tx) =>
      overTransaction(tx, {
        send: (t, records) => tx.send(t, t === topic ? place(records) : records),
        sendMany: (byTopic) => tx.sendMany(new Map([...byTopic].map(([t, rs]) => [t, t === topic ? place(rs) : rs]))),
      }),
  });
}

async function repartitioned(metrics: Metrics, topic: string): Promise<number> {
  return (await metrics.repartitioned.get()).values.find((v) => v.labels.topic === topic)?.value ?? 0;
}

describe('fault path 3: a CRM producer with another partitioner', () => {
  it('forwards the misplaced OPENED events to their tickets’ partitions; every ticket closes once', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const { config } = run;
    const partitions = config.processor.partitions;
    const worker = new Worker({
      config,
      logger: createLogger({ level: 'silent' }),
      messaging: foreignPartitioner(testMessaging(), config.topics.crmEvents, partitions),
      env: TOKENS,
    });
    await worker.start();
    cleanup.push(() => worker.stop());
    const tickets = Array.from({ length: 6 }, () =>
      run.crm.createTicket({ serviceCode: 'GRASS', contact: { name: 'A Resident', email: null, phone: null } }),
    );
    const misplaced = tickets
      .map((t) => t.id)
      .filter((id) => librdkafkaPartition(id, partitions) !== partitionFor(id, partitions));
    // The scenario is only one if some ticket's two partitioners disagree.
    expect(misplaced.length).toBeGreaterThan(0);
    const openedAt = Date.now();
    run.work();

    let detectedAfterMs: number | null = null;
    const deadline = Date.now() + 60_000;
    while (detectedAfterMs === null && Date.now() < deadline) {
      if ((await repartitioned(worker.metrics, config.topics.crmEvents)) > 0) detectedAfterMs = Date.now() - openedAt;
      else await new Promise((r) => setTimeout(r, 25));
    }
    await until('every ticket closed and all work done', () => run.done(), 120_000).catch(() => undefined);
    const recovered = run.done();
    // Read once stopped: the CRM source goes on publishing updates after the last close.
    await worker.stop();
    const forwards = await repartitioned(worker.metrics, config.topics.crmEvents);
    const tally = crmTally(run.crm);
    recordFault({ path: '3 wrong partition', detectedAfterMs, recovered, ...tally });

    expect(detectedAfterMs).not.toBeNull();
    expect(recovered).toBe(true);
    expect(tally).toEqual({ lost: 0, duplicated: 0 });
    // Forwarded once each: what the counter counted is what the repartition topic holds, and
    // exactly the CRM events of the misplaced tickets.
    const messaging = testMessaging();
    const forwarded = await readCommittedRaw(messaging, repartitionTopic(config, 'crmEvents'));
    expect(forwarded).toHaveLength(forwards);
    expect([...new Set(forwarded.map((r) => r.key?.toString()))].sort()).toEqual([...misplaced].sort());
    const crmEvents = await readCommittedRaw(messaging, config.topics.crmEvents);
    const wrong = crmEvents.filter((r) => r.partition !== partitionFor(r.key ?? '', partitions));
    expect(wrong).toHaveLength(forwards);
    const quarantine = await readCommitted<Violation>(messaging, config.topics.quarantine);
    expect(quarantine.values.filter((v) => v.kind === 'UNKNOWN_TICKET')).toEqual([]);
  }, 240_000);
});
