import { describe, expect, it } from 'vitest';
import { dealCoPartitioned, type PartitionClaim } from '../../src/messaging/co-partitioned-deal.ts';

const claim = (memberId: string, generation: number, ...partitions: number[]): PartitionClaim => ({
  memberId,
  generation,
  partitions,
});
const asObject = (dealt: Map<string, number[]>) => Object.fromEntries(dealt);
/** How many of its claimed partitions each member keeps. */
const kept = (dealt: Map<string, number[]>, claims: readonly PartitionClaim[]) =>
  Object.fromEntries(
    claims.map((c) => [c.memberId, c.partitions.filter((p) => dealt.get(c.memberId)?.includes(p)).length]),
  );

/** Every partition dealt once, and the members' shares within one of each other. */
function expectBalanced(dealt: Map<string, number[]>, partitions: number): void {
  const all = [...dealt.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: partitions }, (_, p) => p));
  const sizes = [...dealt.values()].map((l) => l.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

describe('dealCoPartitioned', () => {
  it('deals a new group partition p to the p mod n-th member by id, whatever order they come in', () => {
    expect(asObject(dealCoPartitioned(['c', 'a', 'b'], 7))).toEqual({ a: [0, 3, 6], b: [1, 4], c: [2, 5] });
    expect(asObject(dealCoPartitioned(['b', 'a', 'c'], 2))).toEqual({ a: [0], b: [1], c: [] });
    expect(asObject(dealCoPartitioned([], 6))).toEqual({});
  });

  it('moves only what a joining member needs: the others keep all but their surplus', () => {
    const claims = [claim('a', 4, 0, 2, 4), claim('b', 4, 1, 3, 5)];
    const dealt = dealCoPartitioned(['a', 'b', 'c'], 6, claims);
    expectBalanced(dealt, 6);
    expect(kept(dealt, claims)).toEqual({ a: 2, b: 2 });
    expect(dealt.get('c')).toHaveLength(2);
  });

  it('gives a leaving member’s partitions to the others, who keep all of theirs', () => {
    const claims = [claim('a', 7, 0, 3), claim('b', 7, 1, 4), claim('c', 7, 2, 5)];
    const dealt = dealCoPartitioned(['a', 'c'], 6, claims);
    expectBalanced(dealt, 6);
    expect(
      kept(
        dealt,
        claims.filter((c) => c.memberId !== 'b'),
      ),
    ).toEqual({ a: 2, c: 2 });
  });

  it('lets the members that claim most take the larger shares, so the fewest partitions move', () => {
    // 7 partitions over 3 members: one gets 3. c claims 4 (it had a departed member's extra).
    const claims = [claim('a', 2, 0), claim('b', 2, 1, 2), claim('c', 2, 3, 4, 5, 6)];
    const dealt = dealCoPartitioned(['a', 'b', 'c'], 7, claims);
    expectBalanced(dealt, 7);
    expect(kept(dealt, claims)).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('settles a partition two members claim on the later generation', () => {
    // a was away and comes back claiming 1, which b has owned since generation 9.
    const claims = [claim('a', 5, 0, 1), claim('b', 9, 1, 2, 3)];
    const dealt = dealCoPartitioned(['a', 'b'], 4, claims);
    expectBalanced(dealt, 4);
    expect(dealt.get('b')).toEqual([1, 2]);
    expect(dealt.get('a')).toEqual([0, 3]);
  });

  it('ignores claims of members not in the group and of partitions that do not exist', () => {
    const claims = [claim('gone', 9, 0, 1, 2), claim('a', 3, 5, 6, -1, 1.5)];
    expect(asObject(dealCoPartitioned(['a', 'b'], 4, claims))).toEqual({ a: [0, 2], b: [1, 3] });
  });

  it('computes the same answer whatever order the members and claims come in', () => {
    const claims = [claim('m2', 3, 4, 5), claim('m0', 3, 0, 1, 2), claim('m1', 2, 2, 3)];
    const one = dealCoPartitioned(['m0', 'm1', 'm2', 'm3'], 9, claims);
    const two = dealCoPartitioned(['m3', 'm2', 'm1', 'm0'], 9, [...claims].reverse());
    expect(asObject(two)).toEqual(asObject(one));
    expectBalanced(one, 9);
  });

  it('keeps every partition in place through a member restarting, one rebalance at a time', () => {
    // Three members, six partitions; c restarts as c2: leave, then join. Only c's two move twice.
    let claims = [...dealCoPartitioned(['a', 'b', 'c'], 6)].map(([id, ps]) => claim(id, 1, ...ps));
    const afterLeave = dealCoPartitioned(['a', 'b'], 6, claims);
    const moved = (before: readonly PartitionClaim[], after: Map<string, number[]>) =>
      before.flatMap((c) => c.partitions.filter((p) => after.get(c.memberId)?.includes(p) !== true)).length;
    expect(moved(claims, afterLeave)).toBe(2);
    claims = [...afterLeave].map(([id, ps]) => claim(id, 2, ...ps));
    const afterJoin = dealCoPartitioned(['a', 'b', 'c2'], 6, claims);
    expect(moved(claims, afterJoin)).toBe(2);
    expectBalanced(afterJoin, 6);
  });
});
