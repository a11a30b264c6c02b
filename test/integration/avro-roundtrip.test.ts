import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroSerde, subjectForTopic, type MessagingAdmin, type MessageProducer } from '../../src/messaging/index.ts';
import { consumeUntil, endpoints, testMessaging, uniqueName } from '../support/kafka.ts';

const fixture = path.resolve('test/fixtures/schemas/probe-v1.avsc');
const messaging = testMessaging();
let admin: MessagingAdmin;
let producer: MessageProducer;

beforeAll(async () => {
  admin = messaging.admin();
  producer = messaging.producer();
  await admin.connect();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

describe('Avro records through the real broker and registry', () => {
  it('produces an Avro record and consumes and decodes it, framed in the Confluent wire format', async () => {
    const topic = uniqueName('it.roundtrip');
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    // registerDirectory maps <topic>.avsc to the subject <topic>-value.
    const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-schemas-'));
    await copyFile(fixture, path.join(dir, `${topic}.avsc`));
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const ids = await serde.registerDirectory(dir);
    const subject = subjectForTopic(topic);
    const id = ids.get(subject);
    expect(id).toBeTypeOf('number');

    const value = { ticketId: 'T-1001', status: 'OPEN', note: 'pothole, 5th and Main', occurredAt: 1_763_800_000_000 };
    const bytes = await serde.encode(subject, value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);

    await producer.send(topic, [{ key: 'T-1001', value: bytes, headers: { origin: 'closeloop-test' } }]);
    const [record] = await consumeUntil(messaging, topic, 1);
    expect(record?.key?.toString()).toBe('T-1001');
    expect(record?.headers['origin']?.toString()).toBe('closeloop-test');
    expect(record?.value?.equals(bytes)).toBe(true);

    const decoded = await new AvroSerde({ url: endpoints().registryUrl }).decode(record?.value ?? null);
    expect(decoded).toEqual({ schemaId: id, value });

    // The id in the frame is the one the registry serves the schema under.
    const res = await fetch(`${endpoints().registryUrl}/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    const served = JSON.parse(((await res.json()) as { schema: string }).schema) as { name: string };
    expect(served.name).toBe('Probe');
  });

  it('keeps all records of one ticket on one partition, in the order produced', async () => {
    const topic = uniqueName('it.keyed');
    await admin.ensureTopics([{ topic, partitions: 3 }]);
    const keys = ['T-1', 'T-2', 'T-3', 'T-4'];
    const records = Array.from({ length: 40 }, (_, i) => ({
      key: keys[i % keys.length] ?? 'T-1',
      value: Buffer.from(String(i)),
    }));
    await producer.send(topic, records);
    const got = await consumeUntil(messaging, topic, records.length);
    for (const key of keys) {
      const mine = got.filter((r) => r.key?.toString() === key);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const sent = records.filter((r) => r.key === key).map((r) => r.value.toString());
      expect(mine.map((r) => r.value?.toString())).toEqual(sent);
    }
  });
});
