import path from 'node:path';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InboundEvent, TicketStatusChange } from '../../src/domain/index.ts';
import { AvroSerde, readSchemaFile, subjectForTopic } from '../../src/messaging/index.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { CommitHook } from '../../src/processor/index.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { flightRecorder } from '../support/flight-recorder.ts';
import { Bridge, openedTickets, workedTickets } from '../support/domain.ts';
import {
  javaClasspath,
  readWithJava,
  sendWithJava,
  type Compression,
  type ForeignRecord,
} from '../support/foreign-clients.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { SCHEMAS, awaitCount, feed, readCommitted, step, testConfig, testProcessor } from '../support/processor.ts';

const cleanup = cleanupAfter('all');

const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 12;

const brief = (s: TicketStatusChange) => `${s.ticketId} v${s.version} ${s.crmStatus} ${s.lifecycleState}`;
const sorted = (xs: readonly TicketStatusChange[]) => xs.map(brief).sort();

const opened = (prefix: string) => openedTickets(prefix, PER_CODEC);
const worked = (prefix: string) => workedTickets(prefix, PER_CODEC);

describe('input written by a Kafka client closeloop did not write', () => {
  beforeAll(async () => {
    await javaClasspath();
  });

  it("Apache Kafka's Java producer and Apache Avro, each compression type: every event decided once, on its own partition", async () => {
    const trail = flightRecorder('java producer');
    const messaging = testMessaging();
    const { config } = await testConfig(3);
    const metrics = new Metrics({ defaults: false });
    const processor = testProcessor(config, messaging, undefined, { metrics, logger: trail.logger });
    cleanup.push(() => processor.stop());
    // The topics and input schemas, as a source connector leaves them; then the processor.
    await trail.step('topics and schemas', feed(config, messaging, []));
    await trail.step('processor start', () => processor.start());

    const expected = new Bridge(config.policy);
    // Values go as Avro's JSON encoding, from the schemas the topics' subjects were given; the
    // Java side encodes them with Apache Avro, not with closeloop's avsc.
    const types = new Map<string, avro.Type>();
    for (const name of ['crmEvents', 'deptEvents'] as const) {
      const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL[name]}.avsc`));
      types.set(config.topics[name], avro.Type.forSchema(file.schema as avro.Schema));
    }
    const encode = (codec: Compression, e: InboundEvent): ForeignRecord => {
      const topic = e.type === 'crm' ? config.topics.crmEvents : config.topics.deptEvents;
      const value = e.type === 'dept' ? { departmentRef: null, ...e.event } : e.event;
      const type = types.get(topic);
      if (!type) throw new Error(`no schema for ${topic}`);
      expected.send(e);
      return {
        compression: codec,
        topic,
        key: e.event.ticketId,
        subject: subjectForTopic(topic),
        json: type.toString(value),
      };
    };
    const records = (events: (prefix: string) => InboundEvent[]) =>
      CODECS.flatMap((codec) => events(codec).map((e) => encode(codec, e)));
    // Department events can only follow their ticket's routing: two steps, each waited for.
    const { brokers, registryUrl } = endpoints();
    const first = records(opened);
    await trail.step('Java producer: opened', sendWithJava(brokers, registryUrl, first));
    await trail.step('statuses of opened', awaitCount(messaging, config.topics.status, expected.statuses.length));
    const second = records(worked);
    await trail.step('Java producer: worked', sendWithJava(brokers, registryUrl, second));
    await trail.step('statuses of worked', awaitCount(messaging, config.topics.status, expected.statuses.length));

    const { values } = await trail.step(
      'statuses read',
      readCommitted<TicketStatusChange>(messaging, config.topics.status),
    );
    expect(sorted(values)).toEqual(sorted(expected.statuses));
    expect(values.filter((s) => s.crmStatus === 'CLOSED')).toHaveLength(CODECS.length * PER_CODEC);
    const counts = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
      (await c.get()).values.reduce((n, v) => n + v.value, 0);
    expect(await counts(metrics.recordsProcessed)).toBe(first.length + second.length);
    expect(await counts(metrics.deadLetters)).toBe(0);
    expect(await counts(metrics.quarantined)).toBe(0);
    // Java's default partitioner puts each ticket where closeloop's partitionFor does: nothing
    // had to be forwarded to another partition.
    expect(await counts(metrics.repartitioned)).toBe(0);
  }, 120_000);

  it("Apache Kafka's Java consumer and Apache Avro: every status once and alike, none from an aborted transaction", async () => {
    const trail = flightRecorder('java consumer');
    const messaging = testMessaging();
    const { config } = await testConfig(3);
    const expected = new Bridge(config.policy);
    // The first commit fails once its records are sent: that transaction is aborted, and its
    // batch is read and committed again. Its statuses stay in the log, marked aborted.
    let aborted = 0;
    const commitHook: CommitHook = {
      before(n) {
        if (n !== 1) return;
        aborted += 1;
        throw new CloseloopError('CL_KAFKA_TRANSIENT', 'fault injection: commit 1 aborted');
      },
    };
    const first = openedTickets('J', 20);
    for (const e of first) expected.send(e);
    await trail.step('opened fed', feed(config, messaging, first));
    const processor = testProcessor(config, messaging, undefined, { commitHook, logger: trail.logger });
    cleanup.push(() => processor.stop());
    await trail.step('processor start', () => processor.start());
    await trail.step('statuses of opened', awaitCount(messaging, config.topics.status, expected.statuses.length));
    await trail.step('worked', step(config, messaging, expected, workedTickets('J', 20)));
    await trail.step('processor stop', () => processor.stop());
    expect(aborted).toBe(1);

    const brokers = endpoints().brokers;
    const registryUrl = endpoints().registryUrl;
    const committed = await trail.step(
      'Java consumer: read_committed',
      readWithJava(brokers, config.topics.status, 'read_committed', registryUrl),
    );
    const serde = new AvroSerde({ url: registryUrl });
    const values: TicketStatusChange[] = [];
    for (const r of committed) {
      if (!r.value) throw new Error(`a status without a value at ${r.partition}/${r.offset}`);
      const ours = (await serde.decode<TicketStatusChange>(r.value)).value;
      // Apache Avro, the reference implementation, reads what avsc wrote field for field alike.
      expect(r.avro).toEqual(ours);
      values.push(ours);
    }
    expect(sorted(values)).toEqual(sorted(expected.statuses));
    expect(new Set(values.map(brief)).size).toBe(values.length);
    // The aborted transaction's statuses are in the log; only read_committed hides them.
    const everything = await trail.step(
      'Java consumer: read_uncommitted',
      readWithJava(brokers, config.topics.status, 'read_uncommitted'),
    );
    expect(everything.length).toBeGreaterThan(committed.length);
  }, 120_000);
});
