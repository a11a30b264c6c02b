import { FetchIsolationLevels, ListOffsetTimestamps, type Admin, type Consumer } from '@platformatic/kafka';

/** What a member reads positions with: its consumer, and an admin client for its group's offsets. */
export interface OffsetReader {
  readonly consumer: Consumer;
  readonly admin: Admin;
}

/**
 * Where a member starts reading a partition it was given: the group's committed offset, else the
 * beginning (or the end) of what the broker still holds.
 */
export async function startingOffset(
  reader: OffsetReader,
  topic: string,
  partition: number,
  fromBeginning: boolean,
): Promise<bigint> {
  const part = { topic, partition };
  return (await startingOffsets(reader, [part], fromBeginning)).get(part) ?? 0n;
}

/**
 * A partition's log start and end as the broker judges a fetch offset: the end is the high
 * watermark (read_uncommitted), since a read_committed fetch between the last stable offset and
 * it is in range, only not answered yet.
 */
export async function logBounds(
  consumer: Consumer,
  topic: string,
  partition: number,
): Promise<{ start: bigint; end: bigint }> {
  const at = async (timestamp: bigint) => {
    const listed = await consumer.listOffsets({
      topics: [topic],
      partitions: { [topic]: [partition] },
      timestamp,
      isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
    });
    return listed.get(topic)?.[partition] ?? 0n;
  };
  const [start, end] = await Promise.all([at(ListOffsetTimestamps.EARLIEST), at(ListOffsetTimestamps.LATEST)]);
  return { start, end };
}

type Part = { readonly topic: string; readonly partition: number };

const byTopic = (parts: readonly Part[]) => {
  const topics = new Map<string, number[]>();
  for (const p of parts) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
  return topics;
};

/**
 * startingOffset for many partitions in two requests at most (committed offsets, then the log
 * start or end of those with none), instead of one or two per partition. An assignment's
 * partitions then all get their positions at once, and the first fetch reads them all: one read
 * before the others would hold every other partition back a whole round.
 */
export async function startingOffsets(
  { consumer, admin }: OffsetReader,
  parts: readonly Part[],
  fromBeginning: boolean,
): Promise<Map<Part, bigint>> {
  const out = new Map<Part, bigint>();
  if (parts.length === 0) return out;
  const committed = await stableCommitted(admin, consumer.groupId, parts);
  const none: Part[] = [];
  for (const p of parts) {
    const offset = committed.get(`${p.topic}:${p.partition}`) ?? -1n;
    if (offset >= 0n) out.set(p, offset);
    else none.push(p);
  }
  if (none.length === 0) return out;
  const topics = byTopic(none);
  const listed = await consumer.listOffsets({
    topics: [...topics.keys()],
    partitions: Object.fromEntries(topics),
    timestamp: fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
  });
  for (const p of none) out.set(p, listed.get(p.topic)?.[p.partition] ?? 0n);
  return out;
}

/**
 * The group's committed offsets, read stable (KIP-447), as Java's read_committed consumer reads
 * them: offsets a transaction is committing are answered only once its markers are written. The
 * consumer's own lookup does not ask for that, and right after another member's commit returned
 * it answered, about one time in thirty here, the offsets from before it: records whose results
 * that transaction had already written were read and handled again.
 */
async function stableCommitted(admin: Admin, groupId: string, parts: readonly Part[]): Promise<Map<string, bigint>> {
  const topics = [...byTopic(parts)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics }], requireStable: true });
  const out = new Map<string, bigint>();
  for (const t of group?.topics ?? [])
    for (const p of t.partitions) out.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);
  return out;
}
