import { expect, it } from 'vitest';
import { rec, rejection, type ConformanceContext } from './messaging-context.ts';
import { keysOf } from './messaging-reader.ts';

/** Above the broker's message.max.bytes (1 MiB by default), so refused for good. */
const big = (key: string, partition: number) => rec(key, 'x'.repeat(2_000_000), partition);

/**
 * What a send that fails part-way leaves. A plain send is not atomic: its records go in runs of
 * about half a MiB (a record above that alone), one request after another, so a refused run
 * fails the send with the runs before it written and none after. A transaction whose send or
 * offset commit failed can only be aborted: committing it could make part of its outputs visible.
 */
export function partialSendCases({ h, messaging, topic, produce, reader }: ConformanceContext): void {
  const readKeys = async (t: string, last: string) => {
    const r = await reader([t]);
    try {
      await r.until(`record ${last}`, () => keysOf(r.records).includes(last));
    } finally {
      await r.stop();
    }
    return keysOf(r.records);
  };

  it('writes a plain send run by run: a refused record fails it, with what came before written and nothing after', async () => {
    const t = await topic('partial-send', 2);
    const err = await rejection(produce(t, [rec('a', 'a', 0), rec('b', 'b', 1), big('big', 0), rec('c', 'c', 1)]));
    expect([err.code, err.retriable]).toEqual(['CL_KAFKA_FATAL', false]);
    expect(err.message).toMatch(/larger than the max message size/);
    await produce(t, [rec('after', 'after', 1)]);
    expect((await readKeys(t, 'after')).sort()).toEqual(['a', 'after', 'b']);
  });

  it('refuses to commit a transaction after a failed send, names the failure, and lets it abort', async () => {
    const t = await topic('abort-only', 2);
    const producer = messaging.transactionalProducer(h.unique('conf.abort-only'));
    await producer.connect();
    try {
      const tx = await producer.begin();
      await tx.send(t, [rec('early', 'early', 1)]);
      const failed = await rejection(tx.sendMany(new Map([[t, [rec('same', 'same', 1), big('big', 0)]]])));
      expect(failed.code).toBe('CL_KAFKA_FATAL');
      const onSend = await rejection(tx.send(t, [rec('later', 'later', 1)]));
      const onCommit = await rejection(tx.commit());
      for (const refusal of [onSend, onCommit]) {
        expect([refusal.code, refusal.retriable]).toEqual(['CL_KAFKA_FATAL', false]);
        expect(refusal.message).toMatch(/can only be aborted/);
        expect(refusal.message).toContain(failed.message);
        expect(refusal.cause).toBe(failed);
      }
      await tx.abort();
      // The producer goes on: the next transaction is a new one.
      const next = await producer.begin();
      await next.send(t, [rec('after', 'after', 1)]);
      await next.commit();
    } finally {
      await producer.disconnect();
    }
    expect(await readKeys(t, 'after')).toEqual(['after']);
  });

  it('refuses to commit a transaction whose offsets the group refused, and lets it abort', async () => {
    const t = await topic('abort-only-offsets');
    const group = h.unique('conf.abort-only-group');
    const member = await reader([t], {}, group);
    const producer = messaging.transactionalProducer(h.unique('conf.abort-only-offsets'));
    await producer.connect();
    try {
      await member.until('the member assigned', () => member.assignments.length === 1);
      const tx = await producer.begin();
      await tx.send(t, [rec('out', 'out', 0)]);
      // A member id the group does not have: its coordinator refuses the offsets.
      const stranger = { ...member.consumer.membership(), memberId: 'not-a-member' };
      const refused = await rejection(tx.sendOffsets(stranger, [{ topic: t, partition: 0, offset: '1' }]));
      expect(refused.code).toBe('CL_KAFKA_NOT_MEMBER');
      const onCommit = await rejection(tx.commit());
      expect([onCommit.code, onCommit.cause]).toEqual(['CL_KAFKA_FATAL', refused]);
      await tx.abort();
      const next = await producer.begin();
      await next.send(t, [rec('after', 'after', 0)]);
      await next.commit();
    } finally {
      await producer.disconnect();
      await member.stop();
    }
    expect(await readKeys(t, 'after')).toEqual(['after']);
  });
}
