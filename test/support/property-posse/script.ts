/**
 * Scripts of what happens at a POSSE while the bridge's feed polls it, for the feed's property
 * test (test/unit/connectors/posse-feed.property.test.ts): 311 jobs opened and moved along their
 * plans, processes on the department's own jobs (no ticket) and permits' (seqs the feed never
 * shows), time passing, and polls by a source that goes on or one started again from the stored
 * cursor (a restart). The POSSE numbers a change when it is saved and shows it when it commits:
 * some commit late, behind changes saved after them, and some numbers are never used. Every late
 * commit lands within the feed's default holeWaitSeconds (120): the lag is at most 60 s.
 */
import fc from 'fast-check';
import type { FeedShape } from '../../../connectors/posse/simulator-feed.ts';

export type Step =
  | { readonly kind: 'open' }
  | { readonly kind: 'advance'; readonly jobs: number }
  | { readonly kind: 'own' }
  | { readonly kind: 'permits'; readonly count: number }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'poll'; readonly restart: boolean };

/** How the POSSE numbers and shows its changes, and how its feed query reads them. */
export interface Posse {
  readonly seed: number;
  readonly sequenceGapRate: number;
  readonly lateCommitRate: number;
  readonly commitLagMs: number;
  readonly shape: FeedShape;
}

export interface Script {
  readonly posse: Posse;
  readonly pageSize: number;
  readonly steps: readonly Step[];
}

const posse: fc.Arbitrary<Posse> = fc.record({
  seed: fc.nat(1_000),
  sequenceGapRate: fc.constantFrom(0, 0.1, 0.4),
  lateCommitRate: fc.constantFrom(0, 0.2, 0.6),
  commitLagMs: fc.constantFrom(500, 10_000, 60_000),
  shape: fc.record({
    feedScansRows: fc.boolean(),
    // Not 1: a POSSE that caps its pages at one change and reads `since` inclusively answers the
    // change at the head, and only it, whether more follow or not, so no reader can tell.
    maxPageSize: fc.constantFrom(undefined, 2, 3),
    inclusiveSince: fc.boolean(),
  }),
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('advance' as const), jobs: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'own' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('permits' as const), count: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 999, 5_000, 30_000) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('poll' as const), restart: fc.boolean() }) },
);

export const script: fc.Arbitrary<Script> = fc.record({
  posse,
  pageSize: fc.integer({ min: 1, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});
