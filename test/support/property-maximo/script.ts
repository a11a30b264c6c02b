/**
 * Scripts of what happens at a Maximo while the bridge's feed polls it, for the feed's property
 * test (test/unit/connectors/maximo-feed.property.test.ts): work orders opened and moved through
 * Maximo's status rules, time passing, app servers whose clocks run behind or ahead, saves that
 * commit late behind later ones, and polls by a source that goes on or one started again from the
 * stored cursor (a restart). Every fault stays within what the feed's defaults promise to read
 * (lookBackSeconds 300, maxClockAheadSeconds 300): a script spans at most about 100 s of the
 * bridge's clock, and a skew is at most 120 s behind or 60 s ahead.
 */
import fc from 'fast-check';

export type Step =
  | { readonly kind: 'add' }
  | { readonly kind: 'change'; readonly pick: number; readonly to: number }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'skew'; readonly ms: number }
  | { readonly kind: 'hold'; readonly count: number }
  | { readonly kind: 'commit' }
  | { readonly kind: 'poll'; readonly restart: boolean };

/**
 * The Maximo: kept in instants, or in the local time of a zone with daylight-saving time, its
 * dates answered with their offset or without (the connector is then told the zone), its result
 * sets kept for paging or not; and where the script's clock starts: any day, or half a minute before
 * New York's clocks go back (2026-11-01, 06:00 UTC, the hour from 01:00 shown twice) or forward
 * (2026-03-08, 07:00 UTC).
 */
export interface Site {
  readonly serverZone: 'America/New_York' | null;
  readonly datesWithOffset: boolean;
  readonly repeatedHourAt: 'later' | 'earlier';
  readonly stablePaging: boolean;
  readonly start: number;
}

export const site: fc.Arbitrary<Site> = fc.record({
  serverZone: fc.constantFrom('America/New_York' as const, null),
  datesWithOffset: fc.boolean(),
  repeatedHourAt: fc.constantFrom('later' as const, 'earlier' as const),
  stablePaging: fc.boolean(),
  start: fc.constantFrom(1_796_000_000_000, Date.UTC(2026, 10, 1, 5, 59, 30), Date.UTC(2026, 2, 8, 6, 59, 30)),
});

export interface Script {
  readonly site: Site;
  readonly pageSize: number;
  readonly maxPagesPerPoll: number;
  readonly steps: readonly Step[];
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'add' as const }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('change' as const), pick: fc.nat(20), to: fc.nat(20) }),
  },
  // Whole seconds and parts of one: Maximo keeps dates to the second, so many changes share one.
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, 400, 999, 1_000, 2_500) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('skew' as const),
      ms: fc.constantFrom(0, -1_000, -45_000, -120_000, 60_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hold' as const), count: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('poll' as const), restart: fc.boolean() }) },
);

export const script: fc.Arbitrary<Script> = fc.record({
  site,
  pageSize: fc.integer({ min: 1, max: 3 }),
  maxPagesPerPoll: fc.integer({ min: 1, max: 2 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});
