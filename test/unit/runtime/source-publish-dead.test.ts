import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changeToEvent } from '../../../connectors/posse/mapping.ts';
import { AvroSerde, DLQ_HEADERS, readSchemaFile, subjectForTopic } from '../../../src/messaging/index.ts';
import { encodeBatch } from '../../../src/runtime/source-publish.ts';
import { readChanges, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback, TRAEFIK_404 } from '../../support/loopback-registry.ts';

// A change the connector read but whose record the topic's schema refuses (a connector or
// upstream bug) is dead-lettered as the runner dead-letters a change it could not read: found by
// its position in the feed, and without the contact data a note may quote.

const cleanup = cleanupAfter('each');
const TOPIC = 'dept.work-order-events.v1';

const change = (seq: number, note: string | null) => ({
  seq,
  at: 1_730_619_000_000 + seq,
  jobId: `J-${seq}`,
  externalRef: `T-${seq}#1`,
  ticketId: `T-${seq}`,
  department: 'housing',
  outcome: 'COMPLIED',
  outcomeLabel: 'Complied',
  jobStatus: 'Closed' as const,
  note,
  expectedAt: null,
});

async function encode(records: readonly { key: string; value: WorkOrderEvent; position?: string }[]) {
  const { serde } = await startLoopback(cleanup);
  await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
  return encodeBatch({ topic: TOPIC, serde, connector: 'posse' }, { records, cursor: '2' });
}

describe('source runner: a record the topic schema refuses', () => {
  it('is dead-lettered with its feed position and without contact data', async () => {
    const raws = [change(1, null), change(2, 'Owner Jane Roe, 410-555-0199 or jane.roe@example.org, will comply')];
    const read = readChanges(raws, {
      what: 'POSSE change',
      schema: z.custom<ReturnType<typeof change>>(),
      position: (raw) => `seq ${(raw as { seq: number }).seq}`,
      key: () => null,
      map: (c) => {
        const record = changeToEvent(c, 'testville', 'posse');
        // A connector bug: a fraction of a millisecond, which the topic's long refuses.
        if (c.seq !== 2) return record;
        return { ...record, value: { ...record.value, envelope: { ...record.value.envelope, occurredAt: 0.5 } } };
      },
    });
    const { records, dead } = await encode(read.records);
    expect(records).toHaveLength(1);
    expect(dead).toHaveLength(1);
    const [d] = dead;
    expect(d?.err.code).toBe('CL_ENCODE_INVALID');
    expect(d?.position).toBe('seq 2');
    expect(d?.letter.key).toBe('T-2');
    expect(d?.letter.headers?.[DLQ_HEADERS.position]).toBe('seq 2');
    const text = d?.letter.value?.toString('utf8') ?? '';
    expect(JSON.parse(text)).toMatchObject({ ticketId: 'T-2', envelope: { sequence: 2 } });
    for (const said of ['410-555-0199', 'jane.roe@example.org']) expect(text).not.toContain(said);
    expect(text).toContain('will comply');
  });

  it('names no position when the source gave it none', async () => {
    const { value } = changeToEvent(change(3, null), 'testville', 'posse');
    const { dead } = await encode([
      { key: 'T-3', value: { ...value, envelope: { ...value.envelope, occurredAt: 0.5 } } },
    ]);
    expect(dead.map((d) => d.position)).toEqual([null]);
    expect(dead[0]?.letter.headers?.[DLQ_HEADERS.position]).toBeUndefined();
  });
});

// A registry restarting behind a reverse proxy: the proxy answers its own 404 for the subject's
// schema. No change is at fault, so none is dead-lettered (and the cursor moved past it, for good):
// the batch is thrown back, retriable, and the runner pauses for the registry.
describe('source runner: a proxy answering 404 in the place of the registry', () => {
  it('holds the batch as for an unreachable registry, dead-lettering nothing', async () => {
    const { registry, url, serde: processor } = await startLoopback(cleanup);
    await processor.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const serde = new AvroSerde({ url, retries: 0, unknownIdWaitMs: 0 });
    registry.proxy404 = TRAEFIK_404;
    const records = [1, 2, 3].map((seq) => changeToEvent(change(seq, null), 'testville', 'posse'));
    const batch = { records: records.map((r, i) => ({ ...r, position: `seq ${i + 1}` })), cursor: '3' };
    const err = await encodeBatch({ topic: TOPIC, serde, connector: 'posse' }, batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'CL_SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
    registry.proxy404 = null;
    const { records: written, dead } = await encodeBatch({ topic: TOPIC, serde, connector: 'posse' }, batch);
    expect([written.length, dead.length]).toEqual([3, 0]);
  });
});
