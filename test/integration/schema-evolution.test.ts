import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Bridge, crm, dept, slaTestPolicy } from '../support/domain.ts';
import { AvroSerde, subjectForTopic } from '../../src/messaging/index.ts';
import { consumeUntil, endpoints, testMessaging, uniqueName } from '../support/kafka.ts';

const json = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('schema evolution end to end', () => {
  it('carries v1 and v2 status records through the registry and Kafka to old and new readers', async () => {
    // The status schema as first shipped, and as shipped now with the SLA fields.
    const v1 = await json('schemas/history/bridge.ticket-status.v1/001.avsc');
    const v2 = await json('schemas/bridge.ticket-status.v1.avsc');
    const topic = uniqueName('it.evolution.bridge.ticket-status.v1');
    const subject = subjectForTopic(topic);
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    await admin.ensureTopics([{ topic }]);
    await admin.disconnect();

    const bridge = new Bridge(await slaTestPolicy());
    bridge.send(crm('E1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(dept('E1', 'E1#1', 'maximo', 'WSCH', 2, { expectedAt: 1_800_000_000_000 }));
    const [first, second] = bridge.statuses;
    if (!first || !second) throw new Error('scenario produced no statuses');

    // The producer side moves from v1 to v2 while a consumer still reads with v1.
    const writer = new AvroSerde({ url: endpoints().registryUrl, compatibility: 'BACKWARD_TRANSITIVE' });
    const id1 = await writer.register(subject, v1);
    const old = await writer.encode(subject, first);
    const id2 = await writer.register(subject, v2);
    expect(id2).not.toBe(id1);
    const fresh = await writer.encode(subject, second);
    const producer = messaging.producer();
    await producer.connect();
    await producer.send(topic, [
      { key: 'E1', value: old },
      { key: 'E1', value: fresh },
    ]);
    await producer.disconnect();

    const records = await consumeUntil(messaging, topic, 2);
    const reader = new AvroSerde({ url: endpoints().registryUrl });
    const asV1 = await Promise.all(records.map((r) => reader.decode<Record<string, unknown>>(r.value, v1)));
    const asV2 = await Promise.all(records.map((r) => reader.decode<Record<string, unknown>>(r.value, v2)));
    expect(asV1.map((d) => d.schemaId)).toEqual([id1, id2]);
    expect(asV1.map((d) => d.value['version'])).toEqual([1, 2]);
    expect(asV1[1]?.value).not.toHaveProperty('responseDueAt');
    // New readers see the default for old records and the value for new ones.
    expect(second.responseDueAt).toEqual(expect.any(Number));
    expect(asV2.map((d) => d.value['responseDueAt'])).toEqual([null, second.responseDueAt]);
    expect(asV2.map((d) => d.value['responseBreached'])).toEqual([false, second.responseBreached]);
  });
});
