/**
 * What a member says it owned when it joins: the partition numbers of its last assignment, and
 * the generation that assignment was dealt in.
 */
export interface PartitionClaim {
  readonly memberId: string;
  readonly generation: number;
  readonly partitions: readonly number[];
}

/**
 * Deals partition numbers 0..partitions-1 among the members, for a co-partitioned group
 * (partition p of every topic goes to the owner of p). Sticky, as Kafka's StickyAssignor and
 * Kafka Streams' assignor are: each member keeps as many of the partitions it claims as a
 * balanced deal allows, and only the rest move. A member that keeps a partition keeps its task
 * and its tickets in memory (see the processor's TaskSuccession); one that gets a partition must
 * read its tickets from the changelog first, so every partition moved costs a restore.
 *
 * The answer depends only on the members and their claims, so every leader computes the same
 * one. Without claims (a new group) it is partition p to the p mod n-th member by id.
 */
export function dealCoPartitioned(
  memberIds: readonly string[],
  partitions: number,
  claims: readonly PartitionClaim[] = [],
): Map<string, number[]> {
  const members = [...new Set(memberIds)].sort(byId);
  const dealt = new Map(members.map((id) => [id, [] as number[]]));
  if (members.length === 0) return dealt;
  const claimed = claimedBy(members, partitions, claims);
  const quotas = quotasOf(members, partitions, claimed);
  const taken = new Set<number>();
  for (const id of members) {
    const keep = (claimed.get(id) ?? []).slice(0, quotas.get(id) ?? 0);
    for (const p of keep) taken.add(p);
    dealt.get(id)?.push(...keep);
  }
  dealFree(members, partitions, taken, quotas, dealt);
  for (const list of dealt.values()) list.sort((a, b) => a - b);
  return dealt;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Each member's claimed partitions, ascending. Two members may claim one partition: one that
 * left the group and came back with an old assignment, say. The claim of the later generation
 * wins, as in Kafka's sticky assignors; at the same generation, the first member by id.
 * Claims of members not in the group and of partitions that do not exist count for nothing.
 */
function claimedBy(
  members: readonly string[],
  partitions: number,
  claims: readonly PartitionClaim[],
): Map<string, number[]> {
  const inGroup = new Set(members);
  const owner = new Map<number, { memberId: string; generation: number }>();
  const ordered = [...claims].filter((c) => inGroup.has(c.memberId)).sort((a, b) => byId(a.memberId, b.memberId));
  for (const c of ordered) {
    for (const p of c.partitions) {
      if (!Number.isInteger(p) || p < 0 || p >= partitions) continue;
      const before = owner.get(p);
      if (!before || c.generation > before.generation) owner.set(p, { memberId: c.memberId, generation: c.generation });
    }
  }
  const out = new Map<string, number[]>(members.map((id) => [id, []]));
  for (const [p, o] of owner) out.get(o.memberId)?.push(p);
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/**
 * How many partitions each member gets: all the same, give or take one. The members that get
 * one more are those that claim the most (so the most stay where they are), then by id.
 */
function quotasOf(
  members: readonly string[],
  partitions: number,
  claimed: ReadonlyMap<string, readonly number[]>,
): Map<string, number> {
  const base = Math.floor(partitions / members.length);
  const extra = partitions % members.length;
  const count = (id: string) => claimed.get(id)?.length ?? 0;
  const order = [...members].sort((a, b) => count(b) - count(a) || byId(a, b));
  return new Map(order.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
}

/** The partitions nobody kept, ascending, dealt round the members by id to those under quota. */
function dealFree(
  members: readonly string[],
  partitions: number,
  taken: ReadonlySet<number>,
  quotas: ReadonlyMap<string, number>,
  dealt: Map<string, number[]>,
): void {
  let next = 0;
  for (let p = 0; p < partitions; p += 1) {
    if (taken.has(p)) continue;
    // Some member is under quota while a partition is free: the quotas add up to the count.
    for (let tries = 0; tries < members.length; tries += 1, next += 1) {
      const id = members[next % members.length] ?? '';
      const list = dealt.get(id);
      if (list && list.length < (quotas.get(id) ?? 0)) {
        list.push(p);
        next += 1;
        break;
      }
    }
  }
}
