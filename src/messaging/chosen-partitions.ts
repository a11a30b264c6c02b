import { CloseloopError } from '../errors/index.ts';

/**
 * The partitions a read of group offsets asks for (`GroupOffsetsOptions.partitions`), each once
 * and in ascending order, or every partition of a topic of `count` when none are named. One the
 * topic does not have is refused as the broker answers it (UNKNOWN_TOPIC_OR_PARTITION), an outage
 * like a topic that does not exist yet: both adapters answer alike.
 */
export function chosenPartitions(
  topic: string,
  count: number,
  wanted: readonly number[] | undefined,
  action: string,
): number[] {
  if (!wanted) return Array.from({ length: count }, (_, i) => i);
  const partitions = [...new Set(wanted)].sort((a, b) => a - b);
  const missing = partitions.find((p) => !Number.isInteger(p) || p < 0 || p >= count);
  if (missing !== undefined) {
    throw new CloseloopError(
      'CL_KAFKA_TRANSIENT',
      `${action}: partition ${missing} of ${count}: This server does not host this topic-partition`,
      { details: { topic, kafkaErrorType: 'UNKNOWN_TOPIC_OR_PARTITION' } },
    );
  }
  return partitions;
}
