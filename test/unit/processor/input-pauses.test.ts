import { describe, expect, it } from 'vitest';
import {
  createInMemoryMessaging,
  partitionFor,
  type MessageConsumer,
  type Messaging,
  type MessagingAdmin,
  type TopicPartitions,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { InputPauses } from '../../../src/processor/input-pauses.ts';
import { inputRoutes } from '../../../src/processor/repartition.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { openedTickets } from '../../support/domain.ts';
import { inMemorySetup, sendCrm } from '../../support/in-memory-processor.ts';
import { SCHEMAS } from '../../support/processor.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');

/** A consumer's pauses as the consumer keeps them: one set of topic:partition, whoever asked. */
function pauseSet() {
  const paused = new Set<string>();
  const each = (parts: readonly TopicPartitions[], f: (k: string) => void) => {
    for (const { topic, partitions } of parts) for (const p of partitions) f(`${topic}:${p}`);
  };
  return {
    paused,
    pause: (parts: readonly TopicPartitions[]) => each(parts, (k) => paused.add(k)),
    resume: (parts: readonly TopicPartitions[]) => each(parts, (k) => paused.delete(k)),
  };
}

const on = (inputs: readonly string[], partitions: number[]) =>
  inputs.flatMap((t) => partitions.map((p) => `${t}:${p}`)).sort();

describe('the processor pauses its inputs for a refused partition and for a hold together', () => {
  it('keeps a partition refused for a lost changelog paused when a partition-count hold ends', async () => {
    const base = await inMemorySetup(cleanup, 2);
    const { serde, config } = base;
    const inputs = [...inputRoutes(config).keys()];
    const inner = createInMemoryMessaging();
    const noted = pauseSet();
    // The counts the processor's watch is answered: the broker's, or the test's.
    let counts: Map<string, number> | null = null;
    const messaging: Messaging = {
      ...inner,
      admin: () => {
        const real = inner.admin();
        const answer: MessagingAdmin['partitionCounts'] = (topics) =>
          counts ? Promise.resolve(counts) : real.partitionCounts(topics);
        return new Proxy(real, {
          // Bound to the admin itself: its methods use its private fields.
          get: (target, name) =>
            name === 'partitionCounts'
              ? answer
              : (Reflect.get(target, name, target) as (...a: unknown[]) => unknown).bind(target),
        });
      },
      consumer: (o) => {
        const c = inner.consumer(o);
        const consumer: MessageConsumer = {
          health: () => c.health(),
          connect: () => c.connect(),
          disconnect: () => c.disconnect(),
          subscribe: (topics, options) => c.subscribe(topics, options),
          run: (handlers) => c.run(handlers),
          commitOffsets: (offsets) => c.commitOffsets(offsets),
          membership: () => c.membership(),
          pause: (parts) => {
            noted.pause(parts);
            c.pause(parts);
          },
          resume: (parts) => {
            noted.resume(parts);
            c.resume(parts);
          },
          seek: (topic, partition, offset) => c.seek(topic, partition, offset),
        };
        return consumer;
      },
    };
    const admin = inner.admin();
    const start = async () => {
      const processor = new LifecycleProcessor({
        config,
        messaging,
        serde,
        logger: createLogger({ level: 'silent' }),
        schemasDir: SCHEMAS,
        clock: () => base.expected.now,
      });
      const assigned = processor.nextAssignment();
      await processor.start();
      cleanup.push(() => processor.stop());
      await assigned;
      return processor;
    };
    // Tickets on partition 0 only, read and their states written; then the changelog is lost.
    const first = await start();
    const tickets = openedTickets('P', 8).filter((e) => partitionFor(e.event.ticketId, 2) === 0);
    expect(tickets.length).toBeGreaterThan(0);
    await sendCrm(messaging, serde, config, tickets);
    await untilAsync('the tickets read', async () => {
      const read = await admin.groupOffsets(config.processor.groupId, config.topics.crmEvents);
      return read.some((o) => o.partition === 0 && Number(o.offset) === tickets.length);
    });
    await first.stop();
    await admin.deleteTopics([config.topics.state]);

    const processor = await start();
    expect([...noted.paused].sort()).toEqual(on(inputs, [0]));

    counts = new Map([[config.topics.operatorCommands, 3]]);
    expect(await processor.checkPartitionsNow()).toBe(true);
    expect([...noted.paused].sort()).toEqual(on(inputs, [0, 1, 2]));

    // The counts match again: the hold ends, and the refused partition stays paused.
    counts = null;
    expect(await processor.checkPartitionsNow()).toBe(false);
    expect([...noted.paused].sort()).toEqual(on(inputs, [0]));
  });

  it('keeps the hold on a partition no longer refused at a later assignment', () => {
    const noted = pauseSet();
    const consumer = { pause: noted.pause, resume: noted.resume } as unknown as MessageConsumer;
    const pauses = new InputPauses(consumer, ['a', 'b']);
    pauses.refuse([1]);
    pauses.hold(3);
    // A rebalance during the hold: partition 1 is not refused any more, but the hold still holds it.
    pauses.refuse([]);
    expect([...noted.paused].sort()).toEqual(on(['a', 'b'], [0, 1, 2]));
    pauses.hold(0);
    expect([...noted.paused]).toEqual([]);
  });
});
