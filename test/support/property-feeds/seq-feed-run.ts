/**
 * What the seq feeds' property tests (POSSE's and the CRM's, both read by src/sdk/seq-feed) share:
 * polling a source as the runner does, reading to the end once every late commit has landed and
 * every hole has been waited out, and judging what was read against what the system numbered.
 */
import type { SourceBatch } from '../../../src/sdk/index.ts';
import { check } from '../property/check.ts';

/** The feed's default holeWaitSeconds, in ms. */
export const HOLE_WAIT_MS = 120_000;

interface Event {
  readonly envelope: { readonly eventId: string; readonly sequence: number | null };
}

/** A source's polls, each storing the cursor as the runner stores it, and what they published. */
export function poller<T extends Event>(source: () => { poll(cursor: string | null): Promise<SourceBatch<T>> }) {
  const events: T[] = [];
  let cursor: string | null = null;
  let live = source();
  return {
    events,
    cursor: () => cursor,
    async poll(restart: boolean): Promise<number> {
      if (restart) live = source();
      const batch = await live.poll(cursor);
      check((batch.rejected ?? []).length === 0, 'a well-formed change was dead-lettered', batch.rejected);
      events.push(...batch.records.map((r) => r.value));
      cursor = batch.cursor;
      return batch.records.length;
    },
  };
}

/**
 * Every late commit landed (`lagMs` at most) and every hole waited out: polls until two in a row
 * read nothing and move nothing. One source from here on, started again once: a hole an empty page
 * looked over is waited for in memory, and a restart waits anew (README), so restarts every poll
 * would never pass it.
 */
export async function readToTheEnd(p: ReturnType<typeof poller>, tick: (ms: number) => void, lagMs: number) {
  tick(lagMs + HOLE_WAIT_MS + 1_000);
  let quiet = 0;
  for (let i = 0; i < 400 && quiet < 2; i += 1) {
    const before = p.cursor();
    if ((await p.poll(i === 0)) > 0 || p.cursor() !== before) quiet = 0;
    else {
      quiet += 1;
      // A hole the feed first meets now is waited for from now.
      tick(HOLE_WAIT_MS + 1_000);
    }
  }
  check(quiet >= 2, 'the feed never came to rest');
}

/**
 * Each change the system numbered for the bridge read exactly once (by event id), nothing else,
 * and the changes of each key (`keyOf`) in the order of their seqs.
 */
export function judgeOnceInOrder<T extends Event>(
  expected: readonly string[],
  events: readonly T[],
  keyOf: (e: T) => string,
) {
  const ids = events.map((e) => e.envelope.eventId);
  check(new Set(ids).size === ids.length, 'a change read twice', ids);
  const missing = expected.filter((id) => !ids.includes(id));
  check(missing.length === 0, 'changes not read', { missing, read: ids });
  check(ids.length === expected.length, 'events of changes not expected', { expected, read: ids });
  for (const key of new Set(events.map(keyOf))) {
    const seqs = events.filter((e) => keyOf(e) === key).map((e) => e.envelope.sequence ?? Number.NaN);
    check(
      seqs.every((q, i) => i === 0 || q > (seqs[i - 1] ?? Infinity)),
      `${key}: changes read out of order`,
      seqs,
    );
  }
}
