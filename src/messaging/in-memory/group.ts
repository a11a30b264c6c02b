import { dealCoPartitioned, type PartitionClaim } from '../co-partitioned-deal.ts';
import type { GroupMembership, TopicPartitions } from '../types.ts';

/** What a group needs of a member: what it reads, how it wants partitions dealt, and a nudge. */
export interface GroupMember {
  readonly id: string;
  readonly topics: readonly string[];
  readonly coPartitioned: boolean;
  /** Called whenever the group's generation or assignment changes. */
  wake(): void;
}

/** A topic-partition as one map key. */
export const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * A consumer group: committed offsets and an eager rebalance protocol. Every join or leave starts
 * a new generation; its assignment is dealt once every member has rejoined, as Kafka's join
 * barrier does. Members rejoin at once, batches in hand or not, as the Kafka adapter's client
 * does: a partition's old owner may still be handling a batch of it when its new owner starts,
 * and only fencing (a task's transactional id claimed by the new owner) keeps that batch's
 * outputs and offsets out.
 */
export class Group {
  generation = 0;
  /** The generation last dealt: Kafka's group generation, which moves once a join completes. */
  #dealt = 0;
  readonly #committed = new Map<string, number>();
  readonly #members = new Map<string, GroupMember>();
  readonly #rejoined = new Set<string>();
  #assignment: Map<string, TopicPartitions[]> | null = null;
  /** What each member owned in the last generation dealt: what a Kafka member claims at a join. */
  #lastDealt: { claims: PartitionClaim[] } = { claims: [] };

  readonly id: string;
  /** Partition count of a topic, or 0 when it does not exist. */
  readonly #partitionsOf: (topic: string) => number;

  constructor(id: string, partitionsOf: (topic: string) => number) {
    this.id = id;
    this.#partitionsOf = partitionsOf;
  }

  /** Its members now. */
  get size(): number {
    return this.#members.size;
  }

  committed(topic: string, partition: number): number | undefined {
    return this.#committed.get(tp(topic, partition));
  }

  commit(offsets: readonly { topic: string; partition: number; offset: number }[]): void {
    for (const o of offsets) this.#committed.set(tp(o.topic, o.partition), o.offset);
  }

  /**
   * Why the group refuses offsets a transaction commits under `m`, as the broker's
   * TxnOffsetCommit does (KIP-447), or null when it takes them: an unknown member, or a
   * generation other than the group's. A membership with no member id and generation -1 (a
   * group id alone) is not checked.
   */
  refusal(m: GroupMembership): 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION' | null {
    if (m.memberId !== '' && !this.#members.has(m.memberId)) return 'UNKNOWN_MEMBER_ID';
    if (m.generationId >= 0 && m.generationId !== this.#dealt) return 'ILLEGAL_GENERATION';
    return null;
  }

  /** The broker's answer to the member's heartbeat (see MessagingAdmin.checkMembership). */
  heartbeat(m: GroupMembership): 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION' | 'REBALANCE_IN_PROGRESS' | null {
    if (!this.#members.has(m.memberId)) return 'UNKNOWN_MEMBER_ID';
    if (m.generationId !== this.#dealt) return 'ILLEGAL_GENERATION';
    return this.generation === this.#dealt ? null : 'REBALANCE_IN_PROGRESS';
  }

  join(member: GroupMember): void {
    this.#members.set(member.id, member);
    this.rebalance();
  }

  leave(id: string): void {
    if (this.#members.delete(id)) this.rebalance();
  }

  rebalance(): void {
    this.generation += 1;
    this.#rejoined.clear();
    this.#assignment = null;
    for (const m of this.#members.values()) m.wake();
  }

  /** A member is ready for `generation`; the last one to say so deals the partitions. */
  rejoin(id: string, generation: number): void {
    if (generation !== this.generation || !this.#members.has(id)) return;
    this.#rejoined.add(id);
    if (this.#rejoined.size < this.#members.size) return;
    this.#assignment = this.#deal();
    this.#dealt = this.generation;
    this.#lastDealt = { claims: claimsOf(this.#assignment, this.generation) };
    for (const m of this.#members.values()) m.wake();
  }

  /** This member's partitions in `generation`, or null while the generation is not dealt yet. */
  assignmentOf(id: string, generation: number): TopicPartitions[] | null {
    if (generation !== this.generation || !this.#assignment) return null;
    return this.#assignment.get(id) ?? [];
  }

  #deal(): Map<string, TopicPartitions[]> {
    const members = [...this.#members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => this.#partitionsOf(t) > 0);
    const slots = new Map(members.map((m) => [m.id, new Map<string, number[]>()]));
    const give = (member: GroupMember | undefined, topic: string, partition: number) => {
      const slot = member ? slots.get(member.id) : undefined;
      if (!slot) return;
      const list = slot.get(topic) ?? [];
      list.push(partition);
      slot.set(topic, list);
    };
    if (members.length > 0 && members.every((m) => m.coPartitioned)) {
      // As CoPartitionedAssigner does: partition p of every topic to one member, each member
      // keeping what it owned where the deal allows (its claim: the last generation dealt).
      const most = Math.max(0, ...topics.map((t) => this.#partitionsOf(t)));
      const dealt = dealCoPartitioned(
        members.map((m) => m.id),
        most,
        this.#lastDealt.claims,
      );
      for (const m of members)
        for (const p of dealt.get(m.id) ?? []) for (const t of topics) if (p < this.#partitionsOf(t)) give(m, t, p);
    } else {
      // As @platformatic/kafka's default roundRobinAssigner, which the Kafka adapter's other
      // consumers use: topic-partitions dealt out one by one.
      let next = 0;
      for (const t of topics) {
        for (let p = 0; p < this.#partitionsOf(t); p += 1) give(members[next++ % members.length], t, p);
      }
    }
    return new Map(
      [...slots].map(([id, slot]) => [id, [...slot].map(([topic, partitions]) => ({ topic, partitions }))]),
    );
  }
}

function claimsOf(assignment: ReadonlyMap<string, TopicPartitions[]>, generation: number): PartitionClaim[] {
  return [...assignment].map(([memberId, tps]) => ({
    memberId,
    generation,
    partitions: [...new Set(tps.flatMap((t) => t.partitions))],
  }));
}
