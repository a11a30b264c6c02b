import { ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';

/**
 * Where a member starts reading a partition it was given: the group's committed offset, else the
 * beginning (or the end) of what the broker still holds. With `from: 'reset'` the committed offset
 * is skipped: the broker said the position is no longer there.
 */
export async function startingOffset(
  consumer: Consumer,
  topic: string,
  partition: number,
  options: { from: 'committed' | 'reset'; fromBeginning: boolean },
): Promise<bigint> {
  if (options.from === 'committed') {
    const committed = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [partition] }] });
    const offset = committed.get(topic)?.[partition] ?? -1n;
    if (offset >= 0n) return offset;
  }
  const listed = await consumer.listOffsets({
    topics: [topic],
    partitions: { [topic]: [partition] },
    timestamp: options.fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
  });
  return listed.get(topic)?.[partition] ?? 0n;
}
