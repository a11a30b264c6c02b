import type { CloseloopConfig } from '../config/index.ts';
import { CloseloopError } from '../errors/index.ts';
import {
  carriedHeaders,
  MAX_RECORD_BYTES,
  partitionFor,
  recordBytes,
  type IncomingRecord,
  type OutgoingRecord,
} from '../messaging/index.ts';
import { FOREIGN_INPUTS, INPUTS, repartitionTopic, type ForeignInput, type InputName } from '../topics/index.ts';

/**
 * The repartition step. A ticket's state lives in task p, which reads partition p of every
 * input; that only works if every producer puts a ticket's records on the partition closeloop's
 * own producers would (murmur2 of the key). Producers outside closeloop may not: librdkafka's
 * default partitioner hashes keys with CRC32. So a record of a foreign input found on another
 * partition is not decided where it was read; it is forwarded, bytes untouched, to the input's
 * repartition topic at its key's partition, in the transaction that commits the offset it was
 * read at (so it is forwarded exactly once), and decided when task `partitionFor(key)` reads it
 * there — as Kafka Streams repartitions before a keyed operation.
 *
 * Order. Records of one key that one producer wrote to one partition stay in order: they are read
 * in order, forwarded in order by one transactional producer to one partition, and read back in
 * order. What is not ordered is the same as across topics already: a key's records that arrived
 * on two different partitions (a producer that changed partitioner, or two producers with
 * different ones) are decided in the order the forwards and the direct reads happen to reach the
 * task, because one of them makes an extra hop. decide() compares envelope positions (per ticket
 * for CRM events, per work order for department events), so a record overtaken by a newer one is
 * quarantined STALE_EVENT rather than applied over it; a department event that overtakes the
 * ticket's OPENED is quarantined UNKNOWN_TICKET, as it is when it arrives before the work order
 * was created.
 */

/** Where a forwarded record was read, beside its own headers. */
export const REPARTITION_HEADERS = {
  topic: 'closeloop.repartition.source.topic',
  partition: 'closeloop.repartition.source.partition',
  offset: 'closeloop.repartition.source.offset',
} as const;

const isForeign = (input: InputName): input is ForeignInput => (FOREIGN_INPUTS as readonly InputName[]).includes(input);

export interface InputRoute {
  readonly input: InputName;
  /** Where records found on another partition than their key's go; null where none can be. */
  readonly repartitionTo: string | null;
  /**
   * Whether a record found on another partition than its key's is refused (dead-lettered): the
   * inputs closeloop's own producers write (links, operator commands, receipts), which have no
   * repartition topic. A tool with another partitioner (kcat's CRC32) could still write one, and
   * decided in the task it landed in, it would meet none of its ticket's state.
   */
  readonly refuseMisplaced: boolean;
}

/**
 * Every topic the processor consumes, with the input kind its records are. A repartition topic
 * carries its source's records; only closeloop writes it, at the key's partition for the
 * partition count of the time. A record still waiting there when the count changed (a processor
 * that stopped between forwarding it and reading it back) is on another partition than its key's
 * now: it is forwarded again, within the topic, so it is decided in the task that has its
 * ticket's state (see place-states.ts); decided where it lies, it would meet none.
 */
export function inputRoutes(config: CloseloopConfig): Map<string, InputRoute> {
  const routes = new Map<string, InputRoute>();
  for (const input of INPUTS) {
    const foreign = isForeign(input);
    routes.set(config.topics[input], {
      input,
      repartitionTo: foreign ? repartitionTopic(config, input) : null,
      refuseMisplaced: !foreign,
    });
  }
  for (const input of FOREIGN_INPUTS) {
    const topic = repartitionTopic(config, input);
    routes.set(topic, { input, repartitionTo: topic, refuseMisplaced: false });
  }
  return routes;
}

export type Placement =
  | { readonly kind: 'here' }
  | { readonly kind: 'forward'; readonly topic: string; readonly record: OutgoingRecord }
  /** No partition can be chosen for it, or it cannot be forwarded: dead-lettered. */
  | { readonly kind: 'refused'; readonly error: CloseloopError };

/** Whether a record is decided on the partition it was read from, forwarded, or cannot be placed. */
export function place(record: IncomingRecord, route: InputRoute, partitions: number): Placement {
  if (route.repartitionTo === null) return route.refuseMisplaced ? checked(record, partitions) : { kind: 'here' };
  if (record.key === null) {
    return {
      kind: 'refused',
      error: new CloseloopError(
        'CL_RECORD_UNKEYED',
        `record at ${record.topic}:${record.partition}:${record.offset} has no key; the key must be the CRM ticket id`,
      ),
    };
  }
  // The key's bytes as they are, not re-encoded text: that is what a partitioner hashed.
  const partition = partitionFor(record.key, partitions);
  if (partition === record.partition) return { kind: 'here' };
  const forward = forwarded(record, partition, record.topic === route.repartitionTo);
  // The broker took it, but with the source headers added it may no longer fit: forwarding it
  // would fail the transaction on every fetch.
  if (recordBytes(forward) > MAX_RECORD_BYTES) {
    return {
      kind: 'refused',
      error: new CloseloopError(
        'CL_RECORD_TOO_LARGE',
        `record at ${record.topic}:${record.partition}:${record.offset} is on another partition than its key's ` +
          `and too large (${record.value?.length ?? 0} bytes of value) to forward with its source headers`,
      ),
    };
  }
  return { kind: 'forward', topic: route.repartitionTo, record: forward };
}

/** An input with no repartition topic: decided here when on its key's partition, else refused. */
function checked(record: IncomingRecord, partitions: number): Placement {
  // Unkeyed: toInbound refuses it (its key is not its ticket id).
  if (record.key === null) return { kind: 'here' };
  const partition = partitionFor(record.key, partitions);
  if (partition === record.partition) return { kind: 'here' };
  return {
    kind: 'refused',
    error: new CloseloopError(
      'CL_RECORD_INVALID',
      `record at ${record.topic}:${record.partition}:${record.offset} is not on its key's partition ${partition} ` +
        `(murmur2, as closeloop's producers and Kafka's Java client place keys), and this topic has no repartition topic`,
    ),
  };
}

/** `again`: forwarded within its repartition topic, it keeps the source headers it has. */
function forwarded(record: IncomingRecord, partition: number, again: boolean): OutgoingRecord {
  const { headers, headerList } = carriedHeaders(record);
  if (!again) {
    headers[REPARTITION_HEADERS.topic] = record.topic;
    headers[REPARTITION_HEADERS.partition] = String(record.partition);
    headers[REPARTITION_HEADERS.offset] = record.offset;
  }
  return { key: record.key, value: record.value, ...(headerList ? { headerList } : {}), headers, partition };
}
