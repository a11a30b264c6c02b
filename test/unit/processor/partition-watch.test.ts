import { describe, expect, it } from 'vitest';
import { resetOrderCommand } from '../../../src/cli/workorder-command.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { Violation } from '../../../src/domain/index.ts';
import {
  createInMemoryMessaging,
  deadLetterTopic,
  partitionFor,
  readToEnd,
  subjectForTopic,
  type AvroSerde,
  type MessageConsumer,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { coPartitionedTopics } from '../../../src/processor/provision.ts';
import { inputRoutes } from '../../../src/processor/repartition.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { openedTickets } from '../../support/domain.ts';
import { inMemorySetup, sendCrm } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

describe('a partition added to a co-partitioned topic under a running processor', () => {
  it('stops it at the next check, says so in health, a gauge and the log, and nothing is decided by the old count', async () => {
    const base = await inMemorySetup(cleanup, 2);
    const { serde, config } = base;
    const inner = createInMemoryMessaging();
    // The consumers' pauses, noted: a hold must cover every input's partitions.
    const paused: string[] = [];
    const messaging: Messaging = {
      ...inner,
      consumer: (o) => {
        const c = inner.consumer(o);
        const noted: MessageConsumer = {
          health: () => c.health(),
          connect: () => c.connect(),
          disconnect: () => c.disconnect(),
          subscribe: (topics, options) => c.subscribe(topics, options),
          run: (handlers) => c.run(handlers),
          commitOffsets: (offsets) => c.commitOffsets(offsets),
          membership: () => c.membership(),
          pause: (parts) => {
            for (const p of parts) paused.push(`${p.topic}:${p.partitions.join(',')}`);
            c.pause(parts);
          },
          resume: (parts) => c.resume(parts),
          seek: (topic, partition, offset) => c.seek(topic, partition, offset),
        };
        return noted;
      },
    };
    const admin = messaging.admin();
    const metrics = new Metrics({ defaults: false });
    const lines: Record<string, unknown>[] = [];
    const start = async (c: CloseloopConfig) => {
      const processor = new LifecycleProcessor({
        config: c,
        messaging,
        serde,
        logger: createLogger({
          level: 'info',
          destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
        }),
        schemasDir: SCHEMAS,
        clock: () => base.expected.now,
        metrics,
      });
      const assigned = processor.nextAssignment();
      await processor.start();
      cleanup.push(() => processor.stop());
      await assigned;
      return processor;
    };
    const processor = await start(config);
    await sendCrm(messaging, serde, config, openedTickets('W', 8));
    await untilAsync('the tickets read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
      return read.reduce((n, o) => n + Number(o.offset), 0) === 8;
    });
    expect(await processor.checkPartitionsNow()).toBe(false);

    const commands = config.topics.operatorCommands;
    await admin.addPartitions([commands], 3);
    expect(await processor.checkPartitionsNow()).toBe(true);
    const reason =
      `CL_TOPIC_MISMATCH: co-partitioned topics must all have processor.partitions (2) partitions: ${commands} has 3. ` +
      `Stop every processor of group ${config.processor.groupId}, grow every co-partitioned topic to one count`;
    const health = processor.consumerHealth();
    expect(health).toMatchObject({ state: 'failing', failingForMs: 0 });
    expect(health?.reason).toContain(reason);
    const verdict = judgeReadiness({
      phase: 'running',
      processorReady: processor.isReady(),
      processorConsumer: health,
      brokerUp: true,
      registryUp: true,
      runners: [],
    });
    expect(verdict.reasons).toEqual([`processor consumer failing for 0 s: ${health?.reason}`]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_topic_mismatch')).toContain(
      `closeloop_topic_mismatch{topic="${commands}"} 1`,
    );
    expect(lines.filter((l) => l['level'] === 50).map((l) => [l['msg'], l['code'], l['topics']])).toEqual([
      [
        'a co-partitioned topic changed its partition count; the processor holds every partition',
        'CL_TOPIC_MISMATCH',
        { [commands]: 3 },
      ],
    ]);

    expect(paused.sort()).toEqual([...inputRoutes(config).keys()].map((t) => `${t}:0,1,2`).sort());

    // An operator resets a ticket's order now. Closeloop's producer places it by the new count,
    // on a partition the processor reads but not the one its ticket's state is on: decided by
    // the old count, it would be dead-lettered as misplaced.
    const tickets = Array.from({ length: 8 }, (_, i) => `W-${i}`);
    const ticket = tickets.find((k) => partitionFor(k, 3) < 2 && partitionFor(k, 3) !== partitionFor(k, 2));
    if (!ticket) throw new Error('no ticket whose partition moves within the first two');
    const reset = resetOrderCommand({ ticket, crm: true, by: 'ops', reason: 'test' }, config.jurisdiction, 0);
    await messaging
      .producer()
      .send(commands, [{ key: ticket, value: await serde.encode(subjectForTopic(commands), reset) }]);
    // Held: the timer sweeps write nothing either.
    expect(await processor.expireNow()).toBe(0);
    expect(await processor.checkTimersNow()).toBe(0);

    // The operator's way out: stop, grow every co-partitioned topic, raise the count, start.
    await processor.stop();
    await admin.addPartitions(
      coPartitionedTopics(config).filter((t) => t !== commands),
      3,
    );
    const config3 = { ...config, processor: { ...config.processor, partitions: 3 } };
    const after = await start(config3);
    expect(await after.checkPartitionsNow()).toBe(false);
    expect(after.consumerHealth()?.state).not.toBe('failing');
    await untilAsync('the reset read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, commands);
      return read.some((o) => o.offset === '1');
    });
    const quarantine = await values<Violation>(messaging, config.topics.quarantine, base.serde);
    expect(quarantine.map((v) => `${v.ticketId} ${v.kind}`)).toEqual([`${ticket} ORDER_RESET`]);
    expect(await values(messaging, deadLetterTopic(commands), base.serde)).toEqual([]);
  });
});

async function values<T>(messaging: Messaging, topic: string, serde: AvroSerde) {
  const out: T[] = [];
  await readToEnd(messaging, messaging.admin(), topic, 'all', async (r) => {
    out.push((await serde.decode<T>(r.value)).value);
  });
  return out;
}
