import type { Dispatcher } from './dispatcher.ts';
import { fetchRound, type RoundContext } from './fetch-round.ts';
import type { PartitionTable } from './partition-table.ts';

/** How long a fetch waits for data while none of its partitions has any. */
export const MAX_WAIT_MS = 1_000;
/**
 * The same while a partition waits for its batches in hand before it may be read again: once
 * they are handled it is read at the next fetch, which a long wait for idle partitions would
 * hold back. A partition still read while it has batches in hand (batchesPerPartition) is in
 * the fetch itself, so it does not shorten the wait.
 */
export const BUSY_WAIT_MS = 20;

export interface LoopControl {
  readonly live: () => boolean;
  /** Waits up to ms, or less when an assignment, resume, seek or a handled batch wakes it. */
  readonly idle: (ms: number) => Promise<void>;
  readonly onFailure: (err: unknown, failures: number) => void;
  /** A fetch went through after failed ones. */
  readonly onRecovered: () => void;
}

/**
 * Fetches while the consumer runs, one fetch at a time, of every partition that is free; a failed
 * fetch (broker away) is waited out, never final.
 */
export async function fetchLoop(
  context: RoundContext & { readonly dispatcher: Dispatcher },
  table: PartitionTable,
  c: LoopControl,
): Promise<void> {
  let failures = 0;
  while (c.live()) {
    const ready = table.ready(Date.now());
    if (ready.length === 0) {
      await c.idle(250);
      continue;
    }
    try {
      const waitMs = table.waitingOnHandler() ? BUSY_WAIT_MS : MAX_WAIT_MS;
      if (!(await fetchRound(context, ready, waitMs))) await c.idle(250);
      if (failures > 0) c.onRecovered();
      failures = 0;
    } catch (err) {
      failures += 1;
      c.onFailure(err, failures);
      await c.idle(Math.min(250 * failures, 5_000));
    }
  }
}
