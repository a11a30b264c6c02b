import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { createInMemoryMessaging, deadLetterTopic, type MessagingAdmin } from '../../src/messaging/index.ts';
import { provisionTopics } from '../../src/processor/provision.ts';
import { keepingOf, keepingShortfall, topicCatalogue, type CatalogueEntry } from '../../src/topics/index.ts';
import { rejection } from '../conformance/messaging-context.ts';
import { testConfig } from '../support/processor.ts';

const entryOf = async (key: 'state' | 'status' | 'crmEvents'): Promise<CatalogueEntry> => {
  const { config } = await testConfig(1, 30, {
    brokers: 'in-memory:1',
    registryUrl: 'http://127.0.0.1:1',
    sentinel: null,
  });
  const entry = topicCatalogue(config).find((e) => e.topic === config.topics[key]);
  if (!entry) throw new Error(`no catalogue entry for ${key}`);
  return entry;
};

const WEEK = '604800000';

describe('what a topic kept for good must keep', () => {
  it('reads what each topic must keep from the settings it is created with', async () => {
    expect(keepingOf(await entryOf('state'))).toBe('latest-per-key');
    expect(keepingOf(await entryOf('status'))).toBe('every-record');
    expect(keepingOf(await entryOf('crmEvents'))).toBe('broker-default');
  });

  it('passes the settings closeloop creates, and compaction with deletion switched off', async () => {
    const state = await entryOf('state');
    const status = await entryOf('status');
    expect(
      keepingShortfall(state, { 'cleanup.policy': 'compact', 'retention.ms': WEEK, 'retention.bytes': '-1' }),
    ).toBeNull();
    expect(
      keepingShortfall(state, { 'cleanup.policy': 'compact,delete', 'retention.ms': '-1', 'retention.bytes': '-1' }),
    ).toBeNull();
    expect(
      keepingShortfall(status, { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' }),
    ).toBeNull();
    // Input topics keep what the broker keeps: an outage longer than that is the operator's sizing.
    expect(
      keepingShortfall(await entryOf('crmEvents'), { 'cleanup.policy': 'delete', 'retention.ms': WEEK }),
    ).toBeNull();
  });

  it('names what a changelog under the default policy, or compaction with deletion, loses', async () => {
    const state = await entryOf('state');
    expect(
      keepingShortfall(state, { 'cleanup.policy': 'delete', 'retention.ms': WEEK, 'retention.bytes': '-1' }),
    ).toEqual({
      topic: state.topic,
      origin: 'topics.state',
      problems: [
        "cleanup.policy=delete does not compact: old keys' records are deleted",
        'retention.ms=604800000 deletes records after 7 days',
      ],
      fix: 'cleanup.policy=compact',
    });
    expect(
      keepingShortfall(state, {
        'cleanup.policy': 'compact, delete',
        'retention.ms': '-1',
        'retention.bytes': '1048576',
      })?.problems,
    ).toEqual(['retention.bytes=1048576 deletes the oldest records past that size per partition']);
  });

  it('names what a kept topic with a retention, or compacted, loses', async () => {
    const status = await entryOf('status');
    expect(
      keepingShortfall(status, { 'cleanup.policy': 'delete', 'retention.ms': '43200000', 'retention.bytes': '-1' }),
    ).toEqual({
      topic: status.topic,
      origin: 'topics.status',
      problems: ['retention.ms=43200000 deletes records after 12 hours'],
      fix: 'retention.ms=-1,retention.bytes=-1',
    });
    expect(
      keepingShortfall(status, { 'cleanup.policy': 'compact', 'retention.ms': '-1', 'retention.bytes': '-1' }),
    ).toEqual({
      topic: status.topic,
      origin: 'topics.status',
      problems: ['cleanup.policy=compact compacts: all but the latest record of a key are removed'],
      fix: 'cleanup.policy=delete,retention.ms=-1,retention.bytes=-1',
    });
  });

  // Kafka's topic configuration: an empty cleanup.policy applies no cleanup, every segment is kept.
  it("passes an empty cleanup policy, and a retention of Kafka's forever or a century", async () => {
    const state = await entryOf('state');
    const status = await entryOf('status');
    const none = { 'cleanup.policy': '', 'retention.ms': WEEK, 'retention.bytes': '1048576' };
    expect(keepingShortfall(state, none)).toBeNull();
    expect(keepingShortfall(status, none)).toBeNull();
    const longMax = '9223372036854775807';
    expect(
      keepingShortfall(status, { 'cleanup.policy': 'delete', 'retention.ms': longMax, 'retention.bytes': longMax }),
    ).toBeNull();
    expect(
      keepingShortfall(status, { 'cleanup.policy': 'delete', 'retention.ms': String(100 * 365 * 86_400_000) }),
    ).toBeNull();
  });

  it('says a shorter retention in the unit a person reads it in', async () => {
    const status = await entryOf('status');
    const said = (ms: number) =>
      keepingShortfall(status, { 'cleanup.policy': 'delete', 'retention.ms': String(ms) })?.problems;
    expect(said(10 * 365 * 86_400_000)).toEqual([
      `retention.ms=${10 * 365 * 86_400_000} deletes records after 10 years`,
    ]);
    expect(said(60_000)).toEqual(['retention.ms=60000 deletes records after 1 minute']);
    expect(said(90 * 60_000)).toEqual(['retention.ms=5400000 deletes records after 1.5 hours']);
  });

  it('does not judge a setting the broker did not give', async () => {
    expect(keepingShortfall(await entryOf('state'), { 'cleanup.policy': null, 'retention.ms': WEEK })).toBeNull();
    expect(
      keepingShortfall(await entryOf('status'), {
        'cleanup.policy': null,
        'retention.ms': null,
        'retention.bytes': null,
      }),
    ).toBeNull();
  });
});

describe('provisioning topics that exist already', () => {
  it('refuses to start on topics that would lose what is kept for good, naming each and its fix', async () => {
    const { config } = await testConfig(1, 30, {
      brokers: 'in-memory:1',
      registryUrl: 'http://127.0.0.1:1',
      sentinel: null,
    });
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.connect();
    // Created before they were kept for good, or by hand, with the broker's defaults.
    const dead = deadLetterTopic(config.topics.crmEvents);
    await admin.ensureTopics([
      { topic: dead, partitions: 1 },
      { topic: config.topics.state, partitions: 1, config: { 'cleanup.policy': 'delete' } },
    ]);
    const err = await rejection(provisionTopics(admin, config));
    expect(err.code).toBe('CL_TOPIC_SETTINGS');
    expect(err.message).toContain(
      `${dead} (the dead-letter topic of topics.crmEvents): retention.ms=604800000 deletes records after 7 days`,
    );
    expect(err.message).toContain(
      `kafka-configs.sh --bootstrap-server in-memory:1 --alter --entity-type topics --entity-name ${config.topics.state} --add-config cleanup.policy=compact`,
    );
    expect(Object.keys((err.details as { topics: Record<string, unknown> }).topics).sort()).toEqual(
      [dead, config.topics.state].sort(),
    );
  });

  // The usual producer and consumer ACLs of a secured cluster do not include DescribeConfigs.
  it('refuses to start when the broker will not show the settings, naming the grant', async () => {
    const { config } = await testConfig(1, 30, {
      brokers: 'in-memory:1',
      registryUrl: 'http://127.0.0.1:1',
      sentinel: null,
    });
    const admin = createInMemoryMessaging().admin();
    await admin.connect();
    const refusal = (topic: string) =>
      Promise.reject(
        new CloseloopError('CL_KAFKA_FATAL', `describing the settings of ${topic}: Topic authorization failed.`, {
          details: { kafkaApiErrors: ['TOPIC_AUTHORIZATION_FAILED'] },
        }),
      );
    const secured = new Proxy(admin, {
      get: (target, name: keyof MessagingAdmin) =>
        name === 'topicSettings' ? refusal : (target[name] as (...a: unknown[]) => unknown).bind(target),
    });
    const err = await rejection(provisionTopics(secured, config));
    expect(err.code).toBe('CL_TOPIC_SETTINGS');
    expect(err.message).toContain('refused DescribeConfigs');
    expect(err.message).toContain(
      `kafka-acls.sh --bootstrap-server in-memory:1 --add --allow-principal User:<principal> --operation DescribeConfigs`,
    );
    expect(err.message).toContain(`--topic ${config.topics.state}`);
    expect(err.details['unreadable']).toContain(deadLetterTopic(config.topics.crmEvents));
  });

  it('starts on topics it created itself, and again on the same topics', async () => {
    const { config } = await testConfig(1, 30, {
      brokers: 'in-memory:1',
      registryUrl: 'http://127.0.0.1:1',
      sentinel: null,
    });
    const admin = createInMemoryMessaging().admin();
    await admin.connect();
    await provisionTopics(admin, config);
    await expect(provisionTopics(admin, config)).resolves.toBeUndefined();
  });
});
