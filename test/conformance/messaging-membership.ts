import { expect, it } from 'vitest';
import type { GroupMembership, MessagingAdmin, TransactionalProducer } from '../../src/messaging/index.ts';
import { rejection, type ConformanceContext } from './messaging-context.ts';

/**
 * A transaction's offsets committed under a consumer's membership (KIP-447): the group takes
 * them from a member of its current generation only. A member the group has moved on from (a
 * rebalance it has not joined yet, a session that expired, a member that left) commits nothing,
 * whoever holds the transactional id: the records are then read again by their partition's
 * owner, and the fencing of transactional ids is not the only guard against a zombie.
 */
export function membershipCases(
  { h, messaging, topic, reader }: ConformanceContext,
  admin: () => MessagingAdmin,
): void {
  const offsetsUnder = async (
    producer: TransactionalProducer,
    group: string | GroupMembership,
    t: string,
    offset: string,
  ) => {
    const tx = await producer.begin();
    try {
      await tx.sendOffsets(group, [{ topic: t, partition: 0, offset }]);
    } catch (err) {
      await tx.abort();
      throw err;
    }
    await tx.commit();
  };

  it('takes offsets under a member’s current membership and refuses them under one its group has moved on from', async () => {
    const t = await topic('membership', 2);
    const group = h.unique('conf.membership');
    const producer = messaging.transactionalProducer(h.unique('conf.membership-tx'));
    await producer.connect();
    const first = await reader([t], {}, group);
    let second: Awaited<ReturnType<typeof reader>> | null = null;
    try {
      await first.until('the first member assigned', () => first.assignments.length === 1);
      const before = first.consumer.membership();
      expect(before.groupId).toBe(group);
      expect(before.memberId).not.toBe('');
      await offsetsUnder(producer, before, t, '1');

      second = await reader([t], {}, group);
      await second.until('the second member assigned', () => second?.assignments.length === 1);
      await first.until('the first member’s next assignment', () => first.assignments.length === 2);
      const now = first.consumer.membership();
      expect(now.memberId).toBe(before.memberId);
      expect(now.generationId).toBeGreaterThan(before.generationId);

      const stale = await rejection(offsetsUnder(producer, before, t, '2'));
      expect([stale.code, stale.retriable]).toEqual(['CL_KAFKA_NOT_MEMBER', false]);
      // The refusal is about the membership, not the producer: its next transaction commits.
      await offsetsUnder(producer, now, t, '3');
    } finally {
      await second?.stop();
      await first.stop();
      await producer.disconnect();
    }
    expect((await admin().groupOffsets(group, t)).find((o) => o.partition === 0)).toEqual({
      partition: 0,
      offset: '3',
    });
  });

  it('refuses offsets under the membership of a member that left its group, and takes a group id alone', async () => {
    const t = await topic('membership-left', 1);
    const group = h.unique('conf.membership-left');
    const producer = messaging.transactionalProducer(h.unique('conf.membership-left-tx'));
    await producer.connect();
    try {
      const gone = await reader([t], {}, group);
      await gone.until('the member assigned', () => gone.assignments.length === 1);
      const membership = gone.consumer.membership();
      await gone.stop();
      const left = await rejection(offsetsUnder(producer, membership, t, '4'));
      expect([left.code, left.retriable]).toEqual(['CL_KAFKA_NOT_MEMBER', false]);
      // A group id alone is not checked: tools that commit offsets for a group they are not in.
      await offsetsUnder(producer, group, t, '5');
    } finally {
      await producer.disconnect();
    }
    expect(await admin().groupOffsets(group, t)).toEqual([{ partition: 0, offset: '5' }]);
  });

  // What a task asks before it claims its transactional id again (see Task.refreshIfStale).
  it('confirms a current membership, and refuses one its group has moved on from, one that left and an unknown group', async () => {
    const t = await topic('membership-check', 2);
    const group = h.unique('conf.membership-check');
    const first = await reader([t], {}, group);
    let second: Awaited<ReturnType<typeof reader>> | null = null;
    const refusal = async (m: GroupMembership) => {
      const err = await rejection(admin().checkMembership(m));
      return [err.code, err.retriable];
    };
    try {
      await first.until('the first member assigned', () => first.assignments.length === 1);
      const before = first.consumer.membership();
      await admin().checkMembership(before);

      second = await reader([t], {}, group);
      await second.until('the second member assigned', () => second?.assignments.length === 1);
      await first.until('the first member’s next assignment', () => first.assignments.length === 2);
      expect(await refusal(before)).toEqual(['CL_KAFKA_NOT_MEMBER', false]);
      await admin().checkMembership(first.consumer.membership());
      const secondMembership = second.consumer.membership();
      await admin().checkMembership(secondMembership);
      await second.stop();
      second = null;
      expect(await refusal(secondMembership)).toEqual(['CL_KAFKA_NOT_MEMBER', false]);
      expect(await refusal({ ...before, groupId: h.unique('conf.membership-none') })).toEqual([
        'CL_KAFKA_NOT_MEMBER',
        false,
      ]);
    } finally {
      await second?.stop();
      await first.stop();
    }
  });
}
