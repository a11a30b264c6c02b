import { describe, expect, it } from 'vitest';
import { nextPollDelay, type PollOutcome, type PollPace } from '../../src/runtime/poll-pace.ts';

const pace: PollPace = { idleMs: 250, busyMs: 20, backoff: 2 };

function delays(outcomes: PollOutcome[], start = pace.busyMs): number[] {
  const out: number[] = [];
  let d = start;
  for (const o of outcomes) out.push((d = nextPollDelay(pace, d, o)));
  return out;
}

describe('poll pace', () => {
  it('polls again at once after full pages, waits the busy interval after a partial one', () => {
    expect(delays(['more', 'more', 'more', 'records'])).toEqual([0, 0, 0, 20]);
  });

  it('backs off from the busy interval to the idle interval on empty polls, and no further', () => {
    expect(delays(['more', 'empty', 'empty', 'empty', 'empty', 'empty', 'empty'])).toEqual([
      0, 20, 40, 80, 160, 250, 250,
    ]);
    expect(delays(['records', 'empty', 'empty'])).toEqual([20, 40, 80]);
  });

  it('starts over at the busy interval as soon as records come back', () => {
    expect(delays(['empty', 'empty', 'records', 'empty'], 250)).toEqual([250, 250, 20, 40]);
  });

  it('never waits longer than idle, even when the busy interval is set above it', () => {
    expect(nextPollDelay({ idleMs: 50, busyMs: 100, backoff: 2 }, 0, 'records')).toBe(50);
    expect(nextPollDelay({ idleMs: 50, busyMs: 100, backoff: 2 }, 50, 'empty')).toBe(50);
  });
});
