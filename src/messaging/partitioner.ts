/**
 * The partition a keyed record is written to by the producers closeloop creates: the Java client's
 * murmur2 partitioning (kafkajs's DefaultPartitioner too). Kept here, beside the
 * client it mirrors, so the processor can tell which records a foreign partitioner (librdkafka's
 * default CRC32, say) put elsewhere, without producing anything.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's org.apache.kafka.common.utils.Utils.murmur2, in 32-bit integer arithmetic. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail's bytes, as Java's fall-through switch adds them.
  const rest = length % 4;
  if (rest >= 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) {
    h ^= data[whole] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: not Math.abs, which would move keys hashing to negative numbers. */
const toPositive = (n: number): number => n & 0x7fffffff;

/** The partition of `partitions` that Java's default partitioner (and ours) gives a record keyed `key`. */
export function partitionFor(key: string | Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be ≥ 1: ${partitions}`);
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return toPositive(murmur2(bytes)) % partitions;
}
