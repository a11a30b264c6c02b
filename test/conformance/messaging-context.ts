import { CloseloopError } from '../../src/errors/index.ts';
import type { Messaging, OutgoingRecord } from '../../src/messaging/index.ts';
import type { startReader } from './messaging-reader.ts';

/** What an implementation of the messaging port brings to the suite. */
export interface MessagingHarness {
  readonly name: string;
  messaging(): Messaging;
  /** Topic, group and transactional-id names no other test uses. */
  unique(prefix: string): string;
  /** How long anything may take to arrive (a real group needs seconds to rebalance). */
  readonly waitMs: number;
  /**
   * A Messaging of its own whose transactions time out after `timeoutMs`: on the real broker a
   * client whose transactional producers ask for that timeout, in memory a broker of its own
   * that applies it. How soon after the timeout the broker aborts is its own affair (Kafka
   * looks every `transaction.abort.timed.out.transaction.cleanup.interval.ms`, 10 s by default).
   */
  timingOut(): { readonly messaging: Messaging; readonly timeoutMs: number };
}

export const rec = (key: string | null, value: string, partition?: number): OutgoingRecord => ({
  key,
  value: Buffer.from(value),
  ...(partition === undefined ? {} : { partition }),
});

export async function rejection(p: Promise<unknown>): Promise<CloseloopError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof CloseloopError)) throw new Error(`expected a CloseloopError, got ${String(err)}`);
  return err;
}

/** What the suite's cases share: the harness, its messaging, and three helpers. */
export interface ConformanceContext {
  readonly h: MessagingHarness;
  readonly messaging: Messaging;
  /** A new topic of `partitions` partitions under a unique name. */
  topic(prefix: string, partitions?: number): Promise<string>;
  /** Sends the records with a producer of its own. */
  produce(t: string, records: readonly OutgoingRecord[]): Promise<unknown>;
  /** A reader of `topics` in a group of its own (see messaging-reader.ts). */
  reader(topics: string[], options?: Parameters<typeof startReader>[4], group?: string): ReturnType<typeof startReader>;
}
