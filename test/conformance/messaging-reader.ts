import type {
  ConsumerHandlers,
  IncomingRecord,
  MessageConsumer,
  Messaging,
  SkippedRecords,
  TopicPartitions,
} from '../../src/messaging/index.ts';

/** A running consumer that keeps what it is handed, and waits for conditions on it. */
export interface Reader {
  readonly consumer: MessageConsumer;
  readonly records: IncomingRecord[];
  /** Every assignment this member received, in order. */
  readonly assignments: TopicPartitions[][];
  /** Every skip onSkipped reported, in order. */
  readonly skipped: SkippedRecords[];
  /** Resolves once `check` holds after a batch or an assignment; rejects after timeoutMs. */
  until(what: string, check: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

export const keysOf = (records: readonly IncomingRecord[]) => records.map((r) => r.key?.toString() ?? null);
export const valuesOf = (records: readonly IncomingRecord[]) => records.map((r) => r.value?.toString() ?? null);

/**
 * Starts a consumer on `topics` (a fresh group unless one is given). `onBatch` may act on a batch
 * before it is kept; a throw from it is thrown out of the batch handler, as a failing stage would.
 */
export async function startReader(
  messaging: Messaging,
  topics: readonly string[],
  groupId: string,
  timeoutMs: number,
  options: {
    coPartitioned?: boolean;
    fromBeginning?: boolean;
    onBatch?: (records: readonly IncomingRecord[]) => void;
    onAssignment?: (assigned: readonly TopicPartitions[]) => void;
  } = {},
): Promise<Reader> {
  const consumer = messaging.consumer({
    groupId,
    ...(options.coPartitioned ? { coPartitioned: true, partitionsConcurrently: 4 } : {}),
  });
  const records: IncomingRecord[] = [];
  const assignments: TopicPartitions[][] = [];
  const skipped: SkippedRecords[] = [];
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  const handlers: ConsumerHandlers = {
    eachBatch: async (batch) => {
      options.onBatch?.(batch.records);
      records.push(...batch.records);
      changed();
    },
    onAssignment: (assigned) => {
      assignments.push(assigned.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })));
      options.onAssignment?.(assigned);
      changed();
    },
    onSkipped: (s) => {
      skipped.push(s);
      changed();
    },
  };
  await consumer.connect();
  await consumer.subscribe(topics, { fromBeginning: options.fromBeginning ?? true });
  let failure: unknown = null;
  consumer.run(handlers).catch((err: unknown) => {
    failure = err;
    changed();
  });
  return {
    consumer,
    records,
    assignments,
    skipped,
    until: (what, check) =>
      new Promise<void>((resolve, reject) => {
        const done = (err?: unknown) => {
          clearTimeout(timer);
          waiters.delete(test);
          if (err === undefined) resolve();
          else reject(err instanceof Error ? err : new Error(String(err)));
        };
        const test = () => {
          if (failure !== null) done(failure);
          else if (check()) done();
        };
        const timer = setTimeout(
          () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${records.length} records`)),
          timeoutMs,
        );
        waiters.add(test);
        test();
      }),
    stop: () => consumer.disconnect(),
  };
}
