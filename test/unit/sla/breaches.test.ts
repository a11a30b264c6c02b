import { describe, expect, it } from 'vitest';
import {
  checkBreaches,
  completionElapsed,
  markResolved,
  completionVerdictAt,
  markResponded,
  pauseClock,
  resumeClock,
} from '../../../src/domain/sla/index.ts';
import { at, cal, opened, paused, pothole } from './fixtures.ts';

describe('breaches', () => {
  it('flags a late response once', () => {
    const clock = markResponded(opened(), at('2026-03-05T10:00'));
    const first = checkBreaches(clock, at('2026-03-05T10:00'));
    expect(first.newlyBreached).toEqual(['response']);
    expect(first.clock.responseBreached).toBe(true);
    expect(first.clock.completionBreached).toBe(false);
    const again = checkBreaches(first.clock, at('2026-03-05T11:00'));
    expect(again.newlyBreached).toEqual([]);
    expect(again.clock).toBe(first.clock);
  });

  it('treats a response exactly at the due date as on time, and keeps the first response', () => {
    const onTime = markResponded(opened(), at('2026-03-04T10:00'));
    expect(checkBreaches(onTime, at('2026-03-05T10:00')).newlyBreached).toEqual([]);
    expect(markResponded(onTime, at('2026-03-05T10:00'))).toBe(onTime);
  });

  it('flags a running completion clock just after its due date, only the first time', () => {
    const clock = markResponded(opened(), at('2026-03-03T10:00'));
    const due = clock.completionDueAt;
    expect(checkBreaches(clock, due).newlyBreached).toEqual([]);
    const late = checkBreaches(clock, due + 1);
    expect(late.newlyBreached).toEqual(['completion']);
    expect(checkBreaches(late.clock, due + 2).newlyBreached).toEqual([]);
  });

  it('does not flag a clock paused before its due date while the hold lasts', () => {
    expect(checkBreaches(paused('2026-03-06T10:00'), at('2026-03-20T10:00')).newlyBreached).toEqual(['response']);
  });

  it('flags a hold that starts exactly at the due instant, as the KPIs count it late', () => {
    const clock = markResponded(opened(), at('2026-03-03T10:00'));
    const due = clock.completionDueAt;
    const onHold = (from: number) => pauseClock(clock, pothole, cal, from, 'WEATHER').clock;
    expect(checkBreaches(onHold(due - 1), due + 60_000).newlyBreached).toEqual([]);
    expect(checkBreaches(onHold(due), due + 60_000).newlyBreached).toEqual(['completion']);
    // One rule for both: the KPI's verdict of the same instants.
    expect([completionVerdictAt(null, due - 1, due, due + 60_000), completionVerdictAt(null, due, due, due)]).toEqual([
      'pending',
      'late',
    ]);
  });

  it('stops the response clock on resolve', () => {
    const clock = markResolved(opened(), cal, at('2026-03-03T10:00'));
    expect(clock.respondedAt).toBe(at('2026-03-03T10:00'));
    expect(checkBreaches(clock, at('2026-03-30T10:00')).newlyBreached).toEqual([]);
  });
});

describe('completion elapsed', () => {
  it('subtracts pauses from business days but not from calendar days', () => {
    let clock = resumeClock(paused('2026-03-03T10:00'), pothole, cal, at('2026-03-06T10:00'));
    clock = markResolved(clock, cal, at('2026-03-09T10:00'));
    const elapsed = completionElapsed(clock, cal, at('2026-04-01T00:00'));
    expect(elapsed.businessDays).toBeCloseTo(2, 9);
    // Clocks sprang forward on 8 March: a week less one hour of wall time.
    expect(elapsed.calendarDays).toBeCloseTo(167 / 24, 12);
  });

  it('measures an open ticket up to now, less an open pause', () => {
    const clock = paused('2026-03-03T10:00');
    const elapsed = completionElapsed(clock, cal, at('2026-03-05T10:00'));
    expect(elapsed.businessDays).toBeCloseTo(1, 9);
    expect(elapsed.calendarDays).toBeCloseTo(3, 12);
  });
});
