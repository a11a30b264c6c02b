/**
 * Runs a plan through the real LifecycleProcessor on the in-memory messaging with the loopback
 * registry, as test/support/in-memory-processor.ts sets it up, with its log kept: each phase's
 * records sent one by one (so each has its own offset), then waited for until the group has
 * committed every input partition to its end. What it wrote is read back for the checks.
 */
import { Writable } from 'node:stream';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { InboundEvent, TicketStatusChange, Violation } from '../../../src/domain/index.ts';
import {
  AvroSerde,
  createInMemoryMessaging,
  partitionFor,
  readToEnd,
  type ConsumerHealth,
  type IncomingRecord,
  type Messaging,
} from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { LifecycleProcessor } from '../../../src/processor/index.ts';
import { FOREIGN_INPUTS, INPUTS, repartitionTopic, type InputName } from '../../../src/topics/index.ts';
import { deadLettersOf } from '../in-memory-processor.ts';
import { SCHEMAS, testConfig } from '../processor.ts';
import { untilAsync } from '../wait.ts';
import { fateOf, type Fate } from './faults.ts';
import { eventOf, TICKETS, type Item, type Junk, type Plan } from './plan.ts';
import { hasText, spoil, Writers } from './records.ts';

export const CLOCK = 1_790_000_000_000;

/** One record as it was sent, where it landed and what must become of it. */
export interface Sent {
  readonly input: InputName;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
  readonly fate: Fate;
  readonly misplaced: boolean;
  /** The event the record was made from (for a junk record, not one of its input's). */
  readonly event: InboundEvent;
  readonly item: Item;
}

export interface Outcome {
  readonly config: CloseloopConfig;
  readonly serde: AvroSerde;
  readonly sent: readonly Sent[];
  /** Each input record as the processor read it, by `topic:partition:offset`. */
  readonly read: ReadonlyMap<string, IncomingRecord>;
  /** The dead letters of every input and repartition topic. */
  readonly letters: readonly IncomingRecord[];
  readonly statuses: readonly TicketStatusChange[];
  readonly violations: readonly Violation[];
  readonly forwarded: number;
  readonly logs: readonly string[];
  readonly ready: boolean;
  readonly health: ConsumerHealth | null;
}

export const repartitionTopics = (c: CloseloopConfig) => FOREIGN_INPUTS.map((input) => repartitionTopic(c, input));

export const at = (topic: string, partition: number | string, offset: string) => `${topic}:${partition}:${offset}`;

export async function runPlan(url: string, p: Plan): Promise<Outcome> {
  const { config } = await testConfig(2, 30, { brokers: 'in-memory:1', registryUrl: url, sentinel: null });
  const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0 });
  const messaging = createInMemoryMessaging();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const processor = new LifecycleProcessor({
    config,
    messaging,
    serde,
    logger: createLogger({ level: 'debug', destination }),
    schemasDir: SCHEMAS,
    clock: () => CLOCK,
  });
  const assigned = processor.nextAssignment();
  await processor.start();
  try {
    await assigned;
    const writers = new Writers(url, config);
    await writers.ready();
    const sent: Sent[] = [];
    let n = 0;
    for (const phase of p.phases) {
      for (const item of phase.items) sent.push(await sendItem(messaging, config, writers, p, item, (n += 1)));
      for (const junk of phase.junk) sent.push(await sendJunk(messaging, config, writers, p, junk, (n += 1)));
      await untilInputsCommitted(messaging, config);
    }
    const ready = processor.isReady();
    const health = processor.consumerHealth();
    await processor.stop();
    return { config, serde, sent, ready, health, logs, ...(await readBack(messaging, serde, config)) };
  } finally {
    await processor.stop();
  }
}

async function sendItem(m: Messaging, c: CloseloopConfig, w: Writers, p: Plan, item: Item, n: number) {
  const input = item.fact.t === 'crm' ? 'crmEvents' : 'deptEvents';
  const event = eventOf(p, item.fact, n);
  const other = TICKETS[(item.fact.ticket + 1) % TICKETS.length] ?? 'Q-2';
  const encoded = await w.encode(input, event, item.fault);
  const record = spoil(encoded, event.event.ticketId, other, item.fault, w.otherId(input));
  const fate = fateOf(item.fault, hasText(event));
  const misplaced = fate === 'dead' && item.misplaced === true && record.key !== null;
  return send(m, c, input, record, { fate, event, item, misplaced });
}

/** A CRM or department record written to one of closeloop's own inputs: never one of its records. */
async function sendJunk(m: Messaging, c: CloseloopConfig, w: Writers, p: Plan, junk: Junk, n: number) {
  const from = junk.fact.t === 'crm' ? 'crmEvents' : 'deptEvents';
  const event = eventOf(p, junk.fact, n);
  const encoded = await w.encode(from, event, null);
  const record = spoil(encoded, event.event.ticketId, '', junk.fault, w.otherId(from));
  const keyed = junk.keyless ? { ...record, key: null } : record;
  return send(m, c, junk.input, keyed, { fate: 'dead', event, item: junk, misplaced: false });
}

async function send(
  m: Messaging,
  c: CloseloopConfig,
  input: InputName,
  r: ReturnType<typeof spoil>,
  what: Pick<Sent, 'fate' | 'event' | 'item' | 'misplaced'>,
): Promise<Sent> {
  const topic = c.topics[input];
  const headerList = r.headers.length > 0 ? { headerList: r.headers } : {};
  const partitions = c.processor.partitions;
  const other = r.key === null ? 0 : (partitionFor(Buffer.from(r.key), partitions) + 1) % partitions;
  const partition = what.misplaced ? { partition: other } : {};
  const [delivered] = await m.producer().send(topic, [{ key: r.key, value: r.value, ...headerList, ...partition }]);
  if (!delivered) throw new Error(`no delivery for a record to ${topic}`);
  const key = r.key === null ? null : Buffer.from(r.key);
  return {
    input,
    topic,
    partition: delivered.partition,
    offset: delivered.baseOffset,
    key,
    value: r.value,
    headers: r.headers,
    ...what,
  };
}

/**
 * No silent stall: the group's committed offset reaches past the last record of every input
 * partition. That is the partition's end but on a repartition topic, which the processor writes
 * in transactions: there the end is past the commit marker, which takes an offset no consumer
 * is handed, and the processor commits past the records it read (see offsetsAfter).
 */
async function untilInputsCommitted(m: Messaging, c: CloseloopConfig): Promise<void> {
  const admin = m.admin();
  // The repartition topics last: a record is forwarded as its input's offset is committed.
  for (const topic of [...INPUTS.map((i) => c.topics[i]), ...repartitionTopics(c)]) {
    const past = new Map<number, string>();
    await readToEnd(m, admin, topic, 'all', (r) => void past.set(r.partition, String(BigInt(r.offset) + 1n)));
    await untilAsync(
      `the processor to commit ${topic} past its records (${[...past].map(([p, o]) => `${p}:${o}`).join(', ')})`,
      async () => {
        const read = await admin.groupOffsets(c.processor.groupId, topic);
        return [...past].every(([p, o]) => read.find((r) => r.partition === p)?.offset === o);
      },
      5_000,
    );
  }
}

async function readBack(m: Messaging, serde: AvroSerde, c: CloseloopConfig) {
  const admin = m.admin();
  const read = new Map<string, IncomingRecord>();
  const letters: IncomingRecord[] = [];
  for (const input of INPUTS) {
    const topic = c.topics[input];
    await readToEnd(m, admin, topic, 'all', (r) => void read.set(at(topic, r.partition, r.offset), r));
    letters.push(...(await deadLettersOf(m, topic)));
  }
  let forwarded = 0;
  for (const topic of repartitionTopics(c)) {
    // Read, not its offsets: the forwarding transactions' markers take offsets too.
    await readToEnd(m, admin, topic, 'all', () => void (forwarded += 1));
    letters.push(...(await deadLettersOf(m, topic)));
  }
  const statuses: TicketStatusChange[] = [];
  await readToEnd(m, admin, c.topics.status, 'all', async (r) => {
    statuses.push((await serde.decode<TicketStatusChange>(r.value)).value);
  });
  const violations: Violation[] = [];
  await readToEnd(m, admin, c.topics.quarantine, 'all', async (r) => {
    violations.push((await serde.decode<Violation>(r.value)).value);
  });
  return { read, letters, statuses, violations, forwarded };
}
