import { expect, it } from 'vitest';
import { gate } from '../support/gate.ts';
import { until } from '../support/wait.ts';
import { rec, type ConformanceContext } from './messaging-context.ts';

/**
 * A rebalance is the group's, not held up by one member's work: a member rejoins at once,
 * batches in hand or an onAssignment still running, as the Kafka adapter's client rejoins on
 * its own heartbeat. Its assignments are taken one after the other.
 */
export function rebalanceCases({ h, messaging, topic, produce, reader }: ConformanceContext): void {
  it('deals a new generation while a member still holds a batch of the last', async () => {
    const t = await topic('rejoin-at-once', 2);
    await produce(t, [rec('a0', 'a0', 0), rec('b0', 'b0', 1)]);
    const group = h.unique('conf.rejoin-at-once');
    const held = gate();
    let holding = false;
    const first = messaging.consumer({ groupId: group });
    await first.connect();
    await first.subscribe([t], { fromBeginning: true });
    await first.run({
      eachBatch: async () => {
        holding = true;
        await held.opened;
      },
    });
    let second: Awaited<ReturnType<typeof reader>> | null = null;
    try {
      await until('the first member holding a batch', () => holding, h.waitMs);
      second = await reader([t], {}, group);
      // The first member rejoins without finishing its batch: a partition may have two owners at
      // once (the old one's batch in hand), which only fencing makes safe.
      await until('the second member assigned', () => second?.assignments.some((a) => a.length > 0) === true, h.waitMs);
    } finally {
      held.open();
      await second?.stop();
      await first.disconnect();
    }
  });

  it('deals a new generation while a member’s onAssignment is still running, and takes the next one after it', async () => {
    const t = await topic('rejoin-assigning', 2);
    await produce(t, [rec('a0', 'a0', 0), rec('b0', 'b0', 1)]);
    const group = h.unique('conf.rejoin-assigning');
    const held = gate();
    const calls: string[] = [];
    const first = messaging.consumer({ groupId: group });
    await first.connect();
    await first.subscribe([t], { fromBeginning: true });
    await first.run({
      onAssignment: async (assigned) => {
        const n = assigned.reduce((sum, a) => sum + a.partitions.length, 0);
        calls.push(`start ${n}`);
        // The first assignment (a restore, say) takes as long as the test says.
        if (calls.length === 1) await held.opened;
        calls.push(`end ${n}`);
      },
      eachBatch: async () => undefined,
    });
    let second: Awaited<ReturnType<typeof reader>> | null = null;
    try {
      await until('the first assignment running', () => calls.length === 1, h.waitMs);
      second = await reader([t], {}, group);
      await until('the second member assigned', () => second?.assignments.some((a) => a.length > 0) === true, h.waitMs);
      held.open();
      // The first member's assignments in turn: the next begins once the first has ended.
      await until('the first member’s next assignment', () => calls.length >= 4, h.waitMs);
    } finally {
      held.open();
      await second?.stop();
      await first.disconnect();
    }
    expect(calls.slice(0, 3)).toEqual(['start 2', 'end 2', 'start 1']);
  });

  it('keeps each co-partitioned member’s partitions where it can as members join and leave', async () => {
    const a = await topic('sticky-a', 6);
    const b = await topic('sticky-b', 6);
    const group = h.unique('conf.sticky');
    type Member = Awaited<ReturnType<typeof reader>>;
    const latest = (r: Member, t: string) => (r.assignments.at(-1) ?? []).find((x) => x.topic === t)?.partitions ?? [];
    /** Until the members' latest assignments deal all six partitions of each topic in these shares. */
    const settled = async (members: Member[], share: number) => {
      for (const r of members) await r.until(`${share} partitions each`, () => latest(r, a).length === share);
      for (const r of members) expect(latest(r, b)).toEqual(latest(r, a));
      expect(members.flatMap((r) => latest(r, a)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    };
    const first = await reader([a, b], { coPartitioned: true }, group);
    const members = [first];
    try {
      await settled([first], 6);
      members.push(await reader([a, b], { coPartitioned: true }, group));
      await settled(members, 3);
      const beforeJoin = members.map((r) => latest(r, a));
      const third = await reader([a, b], { coPartitioned: true }, group);
      members.push(third);
      await settled(members, 2);
      // Each of the first two gave up one partition, to the newcomer, and kept the rest.
      members.slice(0, 2).forEach((r, i) => expect(beforeJoin[i]).toEqual(expect.arrayContaining([...latest(r, a)])));
      const beforeLeave = members.slice(0, 2).map((r) => latest(r, a));
      await third.stop();
      members.pop();
      await settled(members, 3);
      members.forEach((r, i) => expect(latest(r, a)).toEqual(expect.arrayContaining([...(beforeLeave[i] ?? [])])));
    } finally {
      for (const r of members) await r.stop();
    }
  });
}
