/**
 * Scripts of what happens at a CRM while the bridge's feed polls it, for the feed's property test
 * (test/unit/connectors/crm-feed.property.test.ts): tickets opened, closed by hand, cancelled and
 * declared duplicates by agents, time passing, and polls by a source that goes on or one started
 * again from the stored cursor. The CRM's feed is an outbox table: a change is numbered when it is
 * saved and shown when it commits, some late, behind changes saved after them; every late commit
 * lands within the feed's default holeWaitSeconds (120): the lag is at most 60 s.
 */
import fc from 'fast-check';

export type Step =
  | { readonly kind: 'open' }
  | { readonly kind: 'close'; readonly pick: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number; readonly of: number }
  | { readonly kind: 'late'; readonly count: number }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'poll'; readonly restart: boolean };

/** How the CRM shows its changes. */
export interface Crm {
  readonly seed: number;
  readonly lateCommitRate: number;
  readonly commitLagMs: number;
  readonly nextCursor: 'page' | 'head';
}

export interface Script {
  readonly crm: Crm;
  readonly pageSize: number;
  readonly steps: readonly Step[];
}

const crm: fc.Arbitrary<Crm> = fc.record({
  seed: fc.nat(1_000),
  lateCommitRate: fc.constantFrom(0, 0.2, 0.6),
  commitLagMs: fc.constantFrom(500, 10_000, 60_000),
  nextCursor: fc.constantFrom('page' as const, 'head' as const),
});

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(20), of: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), count: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 999, 5_000, 30_000) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('poll' as const), restart: fc.boolean() }) },
);

export const script: fc.Arbitrary<Script> = fc.record({
  crm,
  pageSize: fc.integer({ min: 1, max: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});
