import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TicketStatusChange } from '../../../src/domain/index.ts';
import { AvroSerde, readSchemaFile } from '../../../src/messaging/index.ts';
import { deadLetterTopic } from '../../../src/processor/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { crm } from '../../support/domain.ts';
import { endpoints, testMessaging } from '../../support/kafka.ts';
import {
  SCHEMAS,
  awaitCount,
  feed,
  readCommitted,
  readCommittedRaw,
  testConfig,
  testProcessor,
} from '../../support/processor.ts';
import { RegistryGate } from '../../support/registry-gate.ts';
import { untilAsync } from '../../support/wait.ts';

const cleanup = cleanupAfter('all');

/**
 * A processor reading through a gate in front of the registry, and a CRM producer that registers
 * a newer version of its record (one optional field more) under a subject of its own, at the
 * registry itself: the processor meets the new schema id first in a record.
 */
async function setup() {
  const messaging = testMessaging();
  const { config } = await testConfig(1);
  const gate = new RegistryGate(config.schemaRegistry.url);
  const gateUrl = await gate.start();
  cleanup.push(() => gate.stop());
  await feed(config, messaging, []);
  const processor = testProcessor(config, messaging, undefined, { registryUrl: gateUrl });
  cleanup.push(() => processor.stop());
  await processor.start();
  const producer = messaging.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  const crmSerde = new AvroSerde({ url: endpoints().registryUrl });
  const file = await readSchemaFile(path.join(SCHEMAS, `${CANONICAL.crmEvents}.avsc`));
  let version = 0;
  /** A newer CRM schema under a subject of its own; returns its id and the record of `ticketId` written with it. */
  const newer = async (ticketId: string) => {
    version += 1;
    const schema = structuredClone(file.schema) as { fields: unknown[] };
    schema.fields.push({ name: `x${version}`, type: ['null', 'string'], default: null });
    const subject = `${config.topics.crmEvents}-v${version}`;
    const id = await crmSerde.register(subject, schema as never);
    const event = crm(ticketId, 'OPENED', 1, { serviceCode: 'POTHOLE' }).event;
    return { id, record: { key: ticketId, value: await crmSerde.encode(subject, event) } };
  };
  return { messaging, config, gate, processor, producer, newer };
}

const asked = (gate: RegistryGate, id: number, times: number) => async () =>
  (gate.schemaRequests.get(id) ?? 0) >= times;

describe('fault path: the registry answers for a new schema id with something else than the schema, for a while', () => {
  it('asks again while a replica behind answers 404, and reads the record once the schema is there', async () => {
    const { messaging, config, gate, processor, producer, newer } = await setup();
    const { id, record } = await newer('RL-1');
    gate.schemaAnswers.set(id, {
      status: 404,
      contentType: 'application/vnd.schemaregistry.v1+json',
      body: JSON.stringify({ error_code: 40403, message: 'Schema not found' }),
    });
    await producer.send(config.topics.crmEvents, [record]);
    // Asked again after the first 404, within the wait: then the replica has caught up.
    await untilAsync(`schema ${id} asked for twice`, asked(gate, id, 2), 30_000);
    gate.schemaAnswers.delete(id);
    await awaitCount(messaging, config.topics.status, 1, 60_000);
    await processor.stop();

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map((s) => [s.ticketId, s.lifecycleState])).toEqual([['RL-1', 'ROUTED']]);
    expect(await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents))).toEqual([]);
  }, 120_000);

  it('holds the partition while a gateway answers 200 with a page of its own, and reads the record after', async () => {
    const { messaging, config, gate, processor, producer, newer } = await setup();
    const { id, record } = await newer('HG-1');
    gate.schemaAnswers.set(id, {
      status: 200,
      contentType: 'text/html',
      body: '<html><body>Registry under maintenance</body></html>',
    });
    await producer.send(config.topics.crmEvents, [record]);
    // The processor comes back for the schema (the batch is fetched again), not on to a dead letter.
    await untilAsync(`schema ${id} asked for twice`, asked(gate, id, 2), 60_000);
    gate.schemaAnswers.delete(id);
    await awaitCount(messaging, config.topics.status, 1, 60_000);
    await processor.stop();

    const { values } = await readCommitted<TicketStatusChange>(messaging, config.topics.status);
    expect(values.map((s) => [s.ticketId, s.lifecycleState])).toEqual([['HG-1', 'ROUTED']]);
    expect(await readCommittedRaw(messaging, deadLetterTopic(config.topics.crmEvents))).toEqual([]);
  }, 180_000);
});
