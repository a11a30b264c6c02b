import { describe, expect, it } from 'vitest';
import { CloseloopError } from '../../src/errors/index.ts';
import { createInMemoryMessaging } from '../../src/messaging/index.ts';

async function rejection(p: Promise<unknown>): Promise<CloseloopError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof CloseloopError)) throw new Error(`expected a CloseloopError, got ${String(err)}`);
  return err;
}

describe('in-memory group offsets read stable', () => {
  it('fails as an outage once an open transaction has held the read up for stableOffsetsWaitMs', async () => {
    const messaging = createInMemoryMessaging({ stableOffsetsWaitMs: 50 });
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: 'in' }, { topic: 'out' }]);
    const producer = messaging.transactionalProducer('tx');
    const open = await producer.begin();
    await open.send('out', [{ key: 'k', value: Buffer.from('v') }]);
    await open.sendOffsets('g', [{ topic: 'in', partition: 0, offset: '3' }]);

    const started = Date.now();
    const err = await rejection(admin.groupOffsets('g', 'in'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect([err.code, err.retriable, err.details['kafkaErrorType']]).toEqual([
      'CL_KAFKA_TRANSIENT',
      true,
      'UNSTABLE_OFFSET_COMMIT',
    ]);
    expect(err.message).toBe(
      'fetching offsets of group g on in: The broker could not give a stable offset: a transaction still holds newer offsets of the group',
    );
    // Aborted, the transaction holds nothing more: the read answers what was committed before it.
    await open.abort();
    expect(await admin.groupOffsets('g', 'in')).toEqual([{ partition: 0, offset: '-1' }]);
  });
});
