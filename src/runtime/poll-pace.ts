/**
 * How long a source waits before its next poll. A poll that found a full page polls again at
 * once (a backlog drains at the speed of the system's API, not one page per interval); one that
 * found records waits the busy interval (changes are flowing, the next is likely soon); each empty
 * poll doubles the wait, up to the idle interval (a quiet system is not hammered). A doorbell
 * (a webhook saying "something changed") ends the wait and starts over from the busy interval.
 */
export interface PollPace {
  /** The longest wait, when the system has been quiet for a while. */
  readonly idleMs: number;
  /** The wait after a poll that returned records, and the first step of the back-off. */
  readonly busyMs: number;
  /** What each empty poll multiplies the wait by, up to idleMs. */
  readonly backoff: number;
}

export type PollOutcome = 'more' | 'records' | 'empty';

/** The wait before the next poll, given the last wait and what the last poll found. */
export function nextPollDelay(pace: PollPace, previousMs: number, outcome: PollOutcome): number {
  const busy = Math.min(pace.busyMs, pace.idleMs);
  if (outcome === 'more') return 0;
  if (outcome === 'records') return busy;
  // Straight after a full page an empty poll waits the busy interval; after that each one longer.
  return previousMs < busy ? busy : Math.min(pace.idleMs, Math.ceil(previousMs * pace.backoff));
}
