import { fetchRound, type RoundContext } from './fetch-round.ts';
import type { PartitionTable } from './partition-table.ts';

export interface LoopControl {
  readonly live: () => boolean;
  /** Waits up to ms, or less when an assignment, resume or seek wakes it. */
  readonly idle: (ms: number) => Promise<void>;
  /** The round in progress, so an assignment can wait for the batches of the previous one. */
  readonly onRound: (round: Promise<void>) => void;
  readonly onFailure: (err: unknown, failures: number) => void;
  /** A round went through after failed ones. */
  readonly onRecovered: () => void;
}

/** Fetch rounds while the consumer runs; a failed round (broker away) is waited out, never final. */
export async function fetchLoop(context: RoundContext, table: PartitionTable, c: LoopControl): Promise<void> {
  let failures = 0;
  while (c.live()) {
    const ready = table.ready(Date.now());
    if (ready.length === 0) {
      await c.idle(250);
      continue;
    }
    const round = fetchRound(context, ready);
    c.onRound(round.then(() => undefined));
    try {
      if (!(await round)) await c.idle(250);
      if (failures > 0) c.onRecovered();
      failures = 0;
    } catch (err) {
      failures += 1;
      c.onFailure(err, failures);
      await c.idle(Math.min(250 * failures, 5_000));
    }
  }
}
