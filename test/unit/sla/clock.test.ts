import { describe, expect, it } from 'vitest';
import {
  MAX_CLOSED_PAUSES,
  checkBreaches,
  isPaused,
  markResolved,
  markResponded,
  pauseClock,
  resumeClock,
  startClock,
} from '../../../src/domain/sla/index.ts';
import { HOUR, at, cal, leak, local, monday, opened, paused, pothole } from './fixtures.ts';

describe('starting a clock', () => {
  it('computes both due dates on the calendar', () => {
    const clock = opened();
    expect([local(clock.responseDueAt), local(clock.completionDueAt)]).toEqual([
      '2026-03-04T10:00',
      '2026-03-09T10:00',
    ]);
    expect(clock).toMatchObject({ policy: 'SR-POTHOLE', calendar: 'plain', respondedAt: null, resolvedAt: null });
    expect(JSON.parse(JSON.stringify(clock))).toEqual(clock);
  });
});

describe('pausing the completion clock', () => {
  it('moves the due date out by the business days paused', () => {
    const clock = resumeClock(paused('2026-03-03T10:00'), pothole, cal, at('2026-03-06T10:00'));
    expect(local(clock.completionDueAt)).toBe('2026-03-12T10:00');
    expect(clock.pausedBusinessDays).toBeCloseTo(3, 12);
    expect(clock.pausedMs).toBe(72 * HOUR);
    expect(clock.pauses).toEqual([{ from: at('2026-03-03T10:00'), to: at('2026-03-06T10:00'), reason: 'WEATHER' }]);
    expect(isPaused(clock)).toBe(false);
    expect(local(clock.responseDueAt)).toBe('2026-03-04T10:00');
  });

  it('gives back the business time left at the pause start when resumed on a weekend', () => {
    // 14 h of Friday plus 10 h of Monday were left; counting restarts on Monday 00:00.
    const clock = resumeClock(paused('2026-03-06T10:00'), pothole, cal, at('2026-03-08T12:00'));
    expect(local(clock.completionDueAt)).toBe('2026-03-10T00:00');
    expect(clock.pausedBusinessDays).toBeCloseTo(14 / 24, 12);
  });

  it('refuses a reason the policy does not pause for', () => {
    const clock = opened();
    const result = pauseClock(clock, pothole, cal, at('2026-03-03T10:00'), 'AWAITING_REQUESTOR');
    expect(result).toEqual({ clock, paused: false, refused: true, started: false });
    expect(result.clock).toBe(clock);
  });

  it('keeps the first start and reason when paused again', () => {
    const first = pauseClock(opened(), pothole, cal, at('2026-03-03T10:00'), 'WEATHER');
    expect(first).toMatchObject({ paused: true, refused: false, started: true });
    const second = pauseClock(first.clock, pothole, cal, at('2026-03-04T10:00'), 'PARTS');
    expect(second).toMatchObject({ paused: true, refused: false, started: false });
    expect(second.clock.pauses).toEqual([{ from: at('2026-03-03T10:00'), to: null, reason: 'WEATHER' }]);
  });

  it('ignores a resume when not paused', () => {
    const clock = opened();
    expect(resumeClock(clock, pothole, cal, at('2026-03-03T10:00'))).toBe(clock);
  });

  it('closes an open pause on resolve, so the hold does not count', () => {
    // Paused before the due date (Monday 10:00), resolved two days after it.
    const responded = markResponded(paused('2026-03-06T10:00'), at('2026-03-03T10:00'));
    const clock = markResolved(responded, cal, at('2026-03-11T10:00'));
    expect(isPaused(clock)).toBe(false);
    expect(clock.pauses[0]?.to).toBe(at('2026-03-11T10:00'));
    expect(local(clock.completionDueAt)).toBe('2026-03-12T10:00');
    expect(checkBreaches(clock, at('2026-03-11T12:00')).newlyBreached).toEqual([]);
  });

  it('does nothing once resolved', () => {
    const resolved = markResolved(opened(), cal, at('2026-03-05T10:00'));
    const result = pauseClock(resolved, pothole, cal, at('2026-03-05T11:00'), 'WEATHER');
    expect(result).toEqual({ clock: resolved, paused: false, refused: false, started: false });
    expect(markResolved(resolved, cal, at('2026-03-06T10:00'))).toBe(resolved);
  });

  it('moves a calendar-hours due date by the wall time paused', () => {
    const start = startClock(leak, cal, monday);
    expect(local(start.completionDueAt)).toBe('2026-03-04T10:00');
    const held = pauseClock(start, leak, cal, at('2026-03-02T12:00'), 'AWAITING_REQUESTOR').clock;
    const clock = resumeClock(held, leak, cal, at('2026-03-03T12:30'));
    expect(clock.completionDueAt - start.completionDueAt).toBe(24.5 * HOUR);
    expect(clock.pausedMs).toBe(24.5 * HOUR);
  });

  it('leaves the due date alone for a pause that began after it', () => {
    const late = paused('2026-03-10T10:00');
    expect(checkBreaches(late, at('2026-03-20T10:00')).newlyBreached).toEqual(['response', 'completion']);
    const resumed = resumeClock(late, pothole, cal, at('2026-03-12T10:00'));
    expect(local(resumed.completionDueAt)).toBe('2026-03-09T10:00');
  });

  it('keeps the last closed pauses and totals all of them', () => {
    let clock = opened();
    for (let i = 0; i < MAX_CLOSED_PAUSES + 5; i++) {
      const from = monday + i * 2 * HOUR;
      clock = pauseClock(clock, pothole, cal, from, 'PARTS').clock;
      clock = resumeClock(clock, pothole, cal, from + HOUR);
    }
    expect(clock.pauses).toHaveLength(MAX_CLOSED_PAUSES);
    expect(clock.pauses[0]?.from).toBe(monday + 5 * 2 * HOUR);
    expect(clock.pausedMs).toBe((MAX_CLOSED_PAUSES + 5) * HOUR);
    expect(clock.pausedBusinessDays).toBeCloseTo((MAX_CLOSED_PAUSES + 5) / 24, 9);
  });
});
