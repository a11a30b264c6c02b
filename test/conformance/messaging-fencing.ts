import { expect, it } from 'vitest';
import type { TransactionalProducer } from '../../src/messaging/index.ts';
import { rec, rejection, type ConformanceContext } from './messaging-context.ts';
import { startReader, valuesOf, type Reader } from './messaging-reader.ts';

/**
 * Fencing as the Kafka adapter's client has it. A producer claims its transactional id once,
 * with fence() or its first begin(); a newer claim fences it. It learns so at its next request
 * to the broker, a send, an offset commit or an end: begin() asks the broker nothing once the id
 * is claimed. From then on it is refused for good, fence() too, so that a zombie cannot take the
 * id back from the producer that fenced it.
 */
export function fencingCases({ h, messaging, topic, reader }: ConformanceContext): void {
  const pair = async (prefix: string): Promise<[TransactionalProducer, TransactionalProducer]> => {
    const id = h.unique(prefix);
    const old = messaging.transactionalProducer(id);
    const young = messaging.transactionalProducer(id);
    await old.connect();
    await young.connect();
    return [old, young];
  };
  const commitOne = async (producer: TransactionalProducer, t: string, value: string) => {
    const tx = await producer.begin();
    await tx.send(t, [rec('k', value)]);
    await tx.commit();
  };
  const committedValues = async (t: string, expected: readonly string[]) => {
    const r = await reader([t]);
    try {
      await r.until(`the last of ${expected.join(', ')}`, () => valuesOf(r.records).includes(expected.at(-1) ?? ''));
    } finally {
      await r.stop();
    }
    return valuesOf(r.records);
  };

  it('fences an older producer with the same transactional id and aborts what it left open', async () => {
    const t = await topic('fence');
    const [old, young] = await pair('conf.fence');
    try {
      const stale = await old.begin();
      await stale.send(t, [rec('k', 'old')]);
      await young.fence();
      const onSend = await rejection(stale.send(t, [rec('k', 'old again')]));
      expect([onSend.code, onSend.retriable]).toEqual(['CL_KAFKA_FENCED', false]);
      expect((await rejection(stale.commit())).code).toBe('CL_KAFKA_FENCED');
      expect((await rejection(old.begin())).code).toBe('CL_KAFKA_FENCED');
      await commitOne(young, t, 'young');
    } finally {
      await old.disconnect();
      await young.disconnect();
    }
    expect(await committedValues(t, ['young'])).toEqual(['young']);
  });

  it('lets a producer fenced between transactions begin, refuses its first send, then refuses it for good', async () => {
    const t = await topic('fence-between');
    const [old, young] = await pair('conf.fence-between');
    try {
      await commitOne(old, t, 'old 1');
      await young.fence();
      // The id is claimed already: beginning asks the broker nothing, so the fence is not seen yet.
      const next = await old.begin();
      const onSend = await rejection(next.send(t, [rec('k', 'old 2')]));
      expect([onSend.code, onSend.retriable]).toEqual(['CL_KAFKA_FENCED', false]);
      // A zombie stays dead: claiming the id again would fence the producer that took it over.
      expect((await rejection(old.begin())).code).toBe('CL_KAFKA_FENCED');
      expect((await rejection(old.fence())).code).toBe('CL_KAFKA_FENCED');
      await commitOne(young, t, 'young');
    } finally {
      await old.disconnect();
      await young.disconnect();
    }
    expect(await committedValues(t, ['old 1', 'young'])).toEqual(['old 1', 'young']);
  });

  it('claims the id once: fence() again by a producer that holds it leaves a newer owner in place', async () => {
    const t = await topic('fence-again');
    const [old, young] = await pair('conf.fence-again');
    try {
      await old.fence();
      await young.fence();
      await old.fence();
      await commitOne(young, t, 'young');
      const late = await old.begin();
      expect((await rejection(late.send(t, [rec('k', 'old')]))).code).toBe('CL_KAFKA_FENCED');
    } finally {
      await old.disconnect();
      await young.disconnect();
    }
    expect(await committedValues(t, ['young'])).toEqual(['young']);
  });

  it('refuses fence() while its own transaction is open, and the transaction goes on', async () => {
    const t = await topic('fence-open');
    const producer = messaging.transactionalProducer(h.unique('conf.fence-open'));
    await producer.connect();
    try {
      const tx = await producer.begin();
      await tx.send(t, [rec('k', 'kept')]);
      const refused = await rejection(producer.fence());
      expect([refused.code, refused.retriable]).toEqual(['CL_KAFKA_FATAL', false]);
      await tx.send(t, [rec('k', 'kept too')]);
      await tx.commit();
    } finally {
      await producer.disconnect();
    }
    expect(await committedValues(t, ['kept', 'kept too'])).toEqual(['kept', 'kept too']);
  });

  it('aborts a transaction that outlives its timeout and fences its producer, whose id is claimed again', async () => {
    const { messaging: m, timeoutMs } = h.timingOut();
    const admin = m.admin();
    const t = h.unique('conf.timed-out');
    const id = h.unique('conf.timed-out');
    const late = m.transactionalProducer(id);
    const again = m.transactionalProducer(id);
    const plain = m.producer();
    let r: Reader | null = null;
    try {
      await admin.connect();
      await admin.ensureTopics([{ topic: t, partitions: 1 }]);
      await Promise.all([late.connect(), again.connect(), plain.connect()]);
      const tx = await late.begin();
      await tx.send(t, [rec('k', 'timed out')]);
      // Behind the open transaction's record: a reader of committed records gets it once that ends.
      await plain.send(t, [rec('k', 'after it')]);
      // While the transaction is open, the partition's last stable offset stays at its record.
      expect(await admin.topicOffsets(t)).toEqual([{ partition: 0, high: '0', low: '0' }]);
      const reader = await startReader(m, [t], h.unique('conf.g'), timeoutMs + h.waitMs);
      r = reader;
      await reader.until('the record behind the transaction', () => reader.records.length > 0);
      expect(valuesOf(reader.records)).toEqual(['after it']);
      const onCommit = await rejection(tx.commit());
      expect([onCommit.code, onCommit.retriable]).toEqual(['CL_KAFKA_FENCED', false]);
      // The broker cannot say which fence it was: the message names both.
      expect(onCommit.message).toContain('a newer producer claimed the id');
      expect(onCommit.message).toContain('outlived its timeout');
      await tx.abort().catch(() => undefined);
      // Fenced for good, as by a newer producer: claiming the id back is a new producer's to do.
      expect((await rejection(late.begin())).code).toBe('CL_KAFKA_FENCED');
      await commitOne(again, t, 'claimed again');
      await reader.until("the claimed id's record", () => valuesOf(reader.records).includes('claimed again'));
      expect(valuesOf(reader.records)).toEqual(['after it', 'claimed again']);
    } finally {
      await r?.stop();
      await Promise.all([late.disconnect(), again.disconnect(), plain.disconnect()]);
      await admin.disconnect();
    }
  });
}
