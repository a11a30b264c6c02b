import type { MessagingAdmin } from '../messaging/index.ts';
import type { Offsets } from './task.ts';

/**
 * The group's committed offsets of the input topics for these partitions, by partition, with
 * the partitions that have none left out. Read stable, after the tasks of these partitions were
 * fenced: no transaction of theirs still holds newer offsets, and other members' transactions
 * hold none of these partitions, so the read does not wait.
 */
export async function committedInputs(
  admin: MessagingAdmin,
  groupId: string,
  inputs: readonly string[],
  partitions: readonly number[],
): Promise<Map<number, Offsets>> {
  const committed = new Map<number, Offsets>(partitions.map((p) => [p, []]));
  if (partitions.length === 0) return committed;
  for (const topic of inputs) {
    for (const { partition, offset } of await admin.groupOffsets(groupId, topic, { partitions })) {
      // A partition the group never committed comes back at -1.
      if (BigInt(offset) >= 0n) committed.get(partition)?.push({ topic, partition, offset });
    }
  }
  return committed;
}
