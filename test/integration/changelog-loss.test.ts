import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CloseloopConfig } from '../../src/config/index.ts';
import type { InboundEvent } from '../../src/domain/index.ts';
import {
  AvroSerde,
  createKafkaMessaging,
  partitionFor,
  readToEnd,
  subjectForTopic,
  type Messaging,
} from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { LifecycleProcessor } from '../../src/processor/index.ts';
import { topicSpecs } from '../../src/topics/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { crm, dept } from '../support/domain.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { feed, testConfig, testProcessor } from '../support/processor.ts';
import { until, untilAsync } from '../support/wait.ts';

const cleanup = cleanupAfter('each');
const messaging = testMessaging();
const serde = new AvroSerde({ url: endpoints().registryUrl });

interface Line {
  readonly level: number;
  readonly time: number;
  readonly msg: string;
  readonly partition?: number;
  readonly ticketId?: string;
  readonly code?: string;
}

/** A logger whose lines the test reads. */
function captured() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination: sink }) };
}

/** The test's config with a short grace, so trouble shows in the processor's health at once. */
async function config(partitions: number): Promise<CloseloopConfig> {
  const c = (await testConfig(partitions)).config;
  return { ...c, processor: { ...c.processor, consumerFailingAfterMs: 200 } };
}

function started(
  c: CloseloopConfig,
  o: { logger?: ReturnType<typeof captured>['logger']; metrics?: Metrics; clock?: () => number } = {},
) {
  // The processor's consumer logs through the same logger: its warnings are the test's to read.
  const m = o.logger
    ? createKafkaMessaging({ brokers: [endpoints().brokers], clientId: uniqueName('test'), logger: o.logger })
    : testMessaging();
  const p = testProcessor(c, m, o.clock, {
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  cleanup.push(() => p.stop());
  return p;
}

const TOPIC_OF = { crm: 'crmEvents', dept: 'deptEvents' } as const;

/** Produces events as a source would, without provisioning: a missing state topic stays missing. */
async function produce(c: CloseloopConfig, events: readonly InboundEvent[]): Promise<void> {
  const producer = messaging.producer();
  await producer.connect();
  try {
    for (const e of events) {
      if (e.type !== 'crm' && e.type !== 'dept') throw new Error(`no topic for ${e.type} here`);
      const topic = c.topics[TOPIC_OF[e.type]];
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      await producer.send(topic, [{ key: e.event.ticketId, value: await serde.encode(subjectForTopic(topic), value) }]);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every record of a topic (no end markers written), decoded: key, partition and value. */
async function records(m: Messaging, topic: string) {
  const admin = m.admin();
  await admin.connect();
  const out: { key: string | null; partition: number; value: Record<string, unknown> | null }[] = [];
  try {
    await readToEnd(m, admin, topic, 'all', async (r) => {
      const value = r.value ? (await serde.decode<Record<string, unknown>>(r.value)).value : null;
      out.push({ key: r.key?.toString() ?? null, partition: r.partition, value });
    });
  } finally {
    await admin.disconnect();
  }
  return out;
}

async function withAdmin<T>(work: (admin: ReturnType<Messaging['admin']>) => Promise<T>): Promise<T> {
  const admin = messaging.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the processor's group has committed `offset` on a partition of `topic`. */
function untilRead(c: CloseloopConfig, topic: string, partition: number, offset: string): Promise<void> {
  return untilAsync(
    `${topic}/${partition} read to ${offset}`,
    () =>
      withAdmin(
        async (a) =>
          (await a.groupOffsets(c.processor.groupId, topic)).find((o) => o.partition === partition)?.offset === offset,
      ),
    30_000,
  );
}

const REPLACED = (c: CloseloopConfig) =>
  `partition 0 of the state changelog ${c.topics.state} is not the topic this task restored its state from`;
const replacedLine = (l: Line) =>
  l.msg ===
    'state changelog re-created under a running task: its tickets are kept in memory, the partition is not processed' &&
  l.code === 'CL_STATE_LOST';
const replaced = (lines: readonly Line[]) => () => lines.some(replacedLine);

const opened = (ids: readonly string[]) => ids.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
const approved = (id: string) => dept(id, `${id}#1`, 'maximo', 'APPR', 2, { department: 'transportation' });
const failing = (p: LifecycleProcessor, text: string) => () => {
  const h = p.consumerHealth();
  return h?.state === 'failing' && (h.reason ?? '').includes(text);
};

describe('a lost state changelog', () => {
  it('deleted while the processor is down: the partition that had read input is refused, until the operator accepts an empty state', async () => {
    const c = await config(2);
    const ids = Array.from({ length: 20 }, (_, i) => `D-${i}`);
    const onZero = ids.filter((id) => partitionFor(id, 2) === 0).slice(0, 3);
    const onOne = ids.find((id) => partitionFor(id, 2) === 1) ?? '';
    await feed(c, messaging, []);
    let p = started(c);
    await p.start();
    await produce(c, opened(onZero));
    await untilRead(c, c.topics.crmEvents, 0, '3');
    expect(p.ticketsInState()).toEqual(
      new Map([
        [0, 3],
        [1, 0],
      ]),
    );
    await p.stop();
    await withAdmin((a) => a.deleteTopics([c.topics.state]));

    // The start provisions the changelog again, empty.
    const log = captured();
    p = started(c, { logger: log.logger });
    await p.start();
    await until('assigned', () => p.isReady(), 30_000);
    expect(p.ticketsInState()).toEqual(new Map([[1, 0]]));
    await until('the refusal in the health', failing(p, 'restoring the state of partition 0: CL_STATE_LOST'), 10_000);
    expect(p.consumerHealth()?.reason).toContain(
      `partition 0 of the state changelog ${c.topics.state} holds no record, yet group ${c.processor.groupId} has read its input (${c.topics.crmEvents} to offset 3)`,
    );
    expect(log.lines.filter((l) => l.level >= 50).map((l) => [l.msg, l.partition, l.code])).toEqual([
      ['state changelog lost: partition not processed', 0, 'CL_STATE_LOST'],
    ]);
    // Partition 1 goes on; partition 0's event waits, neither decided nor quarantined, nor even
    // fetched: its partition is paused, not failing batch after batch.
    await produce(c, [approved(onZero[0] ?? ''), ...opened([onOne])]);
    await untilRead(c, c.topics.crmEvents, 1, '1');
    await produce(c, [approved(onOne)]);
    await untilRead(c, c.topics.deptEvents, 1, '1');
    expect(log.lines.filter((l) => l.msg.startsWith('batch handler failed'))).toEqual([]);
    expect(p.consumerHealth()?.reason).not.toContain('handling batches');
    const deptRead = await withAdmin((a) => a.groupOffsets(c.processor.groupId, c.topics.deptEvents));
    expect(deptRead.find((o) => o.partition === 0)?.offset).toBe('-1');
    expect(await records(messaging, c.topics.quarantine)).toEqual([]);
    await p.stop();

    // Accepted once: the partition starts with no tickets, and its waiting event is quarantined.
    const accepting = captured();
    const accepted = { ...c, processor: { ...c.processor, acceptEmptyState: true } };
    p = started(accepted, { logger: accepting.logger });
    await p.start();
    await untilRead(c, c.topics.deptEvents, 0, '1');
    expect(p.ticketsInState()).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    expect(accepting.lines.filter((l) => l.level === 40 && l.partition === 0).map((l) => l.msg)).toEqual([
      'state changelog partition holds no record though its input was read; started with no tickets, as processor.acceptEmptyState allows',
    ]);
    expect((await records(messaging, c.topics.quarantine)).map((q) => [q.key, q.value?.['kind']])).toEqual([
      [onZero[0], 'UNKNOWN_TICKET'],
    ]);
    await p.stop();

    // That commit wrote no ticket's state, but marked the changelog: the next start is not refused.
    const again = captured();
    p = started(c, { logger: again.logger });
    await p.start();
    await until('assigned', () => p.isReady(), 30_000);
    expect(p.ticketsInState()).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    expect(again.lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
  }, 180_000);

  it('deleted and created again under a running processor: the re-read after a failed commit keeps memory, and the partition fails loudly', async () => {
    const c = await config(1);
    await feed(c, messaging, []);
    const log = captured();
    const p = started(c, { logger: log.logger });
    await p.start();
    await produce(c, opened(['R-0', 'R-1', 'R-2', 'R-3']));
    await untilRead(c, c.topics.crmEvents, 0, '4');
    expect(p.ticketsInState()).toEqual(new Map([[0, 4]]));

    await withAdmin((a) => a.deleteTopics([c.topics.state]));
    await produce(c, [approved('R-1')]);
    // The commit fails with the topic gone, and so does the re-read that follows, while it is gone.
    await until('the re-read failing', failing(p, `Unknown topic ${c.topics.state}`), 60_000);
    expect(log.lines.filter((l) => l.code === 'CL_STATE_LOST')).toEqual([]);
    // Another start-up provisions the topic again, empty: the re-read finds another topic and refuses.
    await withAdmin((a) => a.ensureTopics(topicSpecs(c).filter((s) => s.topic === c.topics.state)));
    await until('the loss found', replaced(log.lines), 30_000);
    await until('the loss in the health', failing(p, REPLACED(c)), 10_000);
    expect(p.ticketsInState()).toEqual(new Map([[0, 4]]));
    expect(log.lines.filter((l) => l.msg === 'state re-read after a failed commit')).toEqual([]);
    expect(await records(messaging, c.topics.state)).toEqual([]);
    expect(await records(messaging, c.topics.quarantine)).toEqual([]);
  }, 180_000);

  it('deleted and created again before the next commit: the sweep finds the topic replaced, and the partition fails loudly', async () => {
    const c = await config(1);
    await feed(c, messaging, []);
    const log = captured();
    const p = started(c, { logger: log.logger });
    await p.start();
    await produce(c, opened(['Q-0', 'Q-1', 'Q-2', 'Q-3']));
    await untilRead(c, c.topics.crmEvents, 0, '4');
    await withAdmin(async (a) => {
      await a.deleteTopics([c.topics.state]);
      await a.ensureTopics(topicSpecs(c).filter((s) => s.topic === c.topics.state));
    });
    // The next commit succeeds, on the new topic: it now holds one ticket of four.
    await produce(c, [approved('Q-1')]);
    await untilRead(c, c.topics.deptEvents, 0, '1');
    expect((await records(messaging, c.topics.state)).map((r) => r.key)).toEqual(['Q-1']);

    await p.expireNow();
    await until('the loss in the health', failing(p, REPLACED(c)), 10_000);
    expect(log.lines.filter(replacedLine).map((l) => l.partition)).toEqual([0]);
    expect(p.ticketsInState()).toEqual(new Map([[0, 4]]));
    // Nothing more is decided on the partition: the next event's offset is not committed.
    await produce(c, [approved('Q-2')]);
    await until('the batch refused', () => log.lines.filter(replacedLine).length > 1, 30_000);
    const read = await withAdmin((a) => a.groupOffsets(c.processor.groupId, c.topics.deptEvents));
    expect(read).toEqual([{ partition: 0, offset: '1' }]);
  }, 180_000);

  it('a stray tombstone for an open ticket is reported, and the ticket keeps its state, watched and moving', async () => {
    const c = await config(1);
    await feed(c, messaging, []);
    let p = started(c);
    await p.start();
    const ids = ['S-0', 'S-1', 'S-2', 'S-3'];
    await produce(c, opened(ids));
    await untilRead(c, c.topics.crmEvents, 0, '4');
    await p.stop();
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(c.topics.state, [{ key: 'S-2', value: null, partition: 0 }]);
    await producer.disconnect();

    const log = captured();
    const metrics = new Metrics({ defaults: false });
    // Three hours on: ROUTED's limit (15 minutes) is long past for every ticket.
    const later = Date.now() + 3 * 3_600_000;
    p = started(c, { logger: log.logger, metrics, clock: () => later });
    await p.start();
    await until('assigned', () => p.isReady(), 30_000);
    expect(p.ticketsInState()).toEqual(new Map([[0, 4]]));
    expect(log.lines.filter((l) => l.level >= 50).map((l) => [l.msg, l.ticketId])).toEqual([
      [
        'changelog tombstone for a ticket the processor does not forget (open, or something pending); passed over, the ticket keeps its state',
        'S-2',
      ],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('closeloop_state_tombstones_refused_total')).toContain(
      'closeloop_state_tombstones_refused_total 1',
    );
    // Written again: once the tombstone has compacted the state before it away, a restore still finds the ticket.
    const changelog = (await records(messaging, c.topics.state)).filter((r) => r.key === 'S-2');
    expect(changelog.map((r) => (r.value ? r.value['state'] : null))).toEqual(['ROUTED', null, 'ROUTED']);

    await p.checkTimersNow();
    const alerted = (await records(messaging, c.topics.alerts)).map((a) => a.value?.['ticketId']);
    expect(new Set(alerted)).toEqual(new Set(ids));
    await produce(c, [approved('S-2')]);
    await untilRead(c, c.topics.deptEvents, 0, '1');
    expect(await records(messaging, c.topics.quarantine)).toEqual([]);
    const s2 = (await records(messaging, c.topics.status)).filter((s) => s.key === 'S-2');
    expect(s2.map((s) => s.value?.['lifecycleState'])).toEqual(['ROUTED', 'ACCEPTED']);
  }, 180_000);
});
