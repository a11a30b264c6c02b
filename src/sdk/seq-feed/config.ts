import { z } from 'zod';

/**
 * The `holeWaitSeconds` setting of a connector whose feed is numbered by a sequence (see
 * seqFeedPoll), declared once for all of them. `numbers` says who numbers the changes; `system`
 * is the system as "…'s longest transaction" names it.
 */
export function holeWaitSecondsSchema(numbers: string, system: string) {
  return z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(120)
    .describe(
      `How long the feed waits at a hole in the seqs (a seq missing below one already read), by the bridge's clock, before reading on past it. ${numbers} numbers a change when it is saved but shows it when its transaction commits, so a change can appear after later ones; a hole that outlives the wait is taken for one the sequence left for good (a rolled-back save, a cached sequence's gap), logged at info. Longer than ${system}'s longest transaction; 0 reads on at once, as before the wait.`,
    );
}

/**
 * The `pageSize` setting of such a connector: `changes` names what a page holds. A page is asked
 * for two at least (see pageLimit in poll.ts), which the description says.
 */
export function seqPageSizeSchema(changes: string) {
  return z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .describe(
      `${changes} read per poll. A page is asked for two at least: a system that reads the cursor inclusively answers the change at it again, which alone would fill a page of one.`,
    );
}
