import type { RecordBatch } from '../messaging/index.ts';
import { keyLane, type ByKeyOutcome, type KeyLane } from './by-key.ts';

/** A partition's batches in hand: their key lane and the commit the next batch waits for. */
interface Lane extends KeyLane {
  inHand: number;
  committed: Promise<void>;
}

/**
 * The batches of each partition that are in hand at once (the consumer's batchesPerPartition):
 * a newer batch delivers while older ones still do, so a ticket's update need not wait for
 * another ticket's long chain of calls, yet each ticket's records stay in order and offsets
 * commit in order.
 */
export class BatchLanes {
  readonly #lanes = new Map<string, Lane>();
  readonly #maxInFlight: number;

  /** `maxInFlight`: keys delivered at once per partition, across all its batches in hand. */
  constructor(maxInFlight: number) {
    this.#maxInFlight = maxInFlight;
  }

  /**
   * One batch: `deliver` runs its records on the partition's key lane (each key after its
   * records in older batches), and is called before this returns its promise, so the next
   * batch chains behind it. `commit` gets how many records from the start were done, once every
   * older batch has committed all of its own. Rejects when this batch or an older one did not
   * complete, committing nothing past what an older batch left undone.
   */
  async run(
    batch: RecordBatch,
    deliver: (lane: KeyLane) => Promise<ByKeyOutcome>,
    commit: (donePrefix: number) => Promise<void>,
  ): Promise<void> {
    const lane = this.#lane(batch);
    lane.inHand += 1;
    try {
      const delivering = deliver(lane);
      const older = lane.committed;
      const settled = (async () => {
        const { donePrefix, error } = await delivering;
        await older;
        await commit(donePrefix);
        if (error !== null) throw error;
      })().catch((err: unknown) => {
        // Newer batches start nothing more: the partition is read again from before this one.
        lane.halted ??= { error: err };
        throw err;
      });
      lane.committed = settled;
      // Awaited by the next batch, if one comes; not an unhandled rejection when none does.
      settled.catch(() => undefined);
      await settled;
    } finally {
      lane.inHand -= 1;
    }
  }

  /** A fresh lane when none of the partition's batches is in hand (after a rewind, too). */
  #lane(batch: RecordBatch): Lane {
    const id = `${batch.partition}:${batch.topic}`;
    const lane = this.#lanes.get(id);
    if (lane && lane.inHand > 0) return lane;
    const fresh: Lane = Object.assign(keyLane(this.#maxInFlight), { inHand: 0, committed: Promise.resolve() });
    this.#lanes.set(id, fresh);
    return fresh;
  }
}
