/**
 * Where a change feed numbered by a database sequence stands, and why it waits at a hole in the
 * seqs (POSSE's, and a CRM's whose feed is an outbox table).
 *
 * Such a system takes a change's seq from a sequence when the change is saved, but the change is
 * in the feed only once its transaction commits, in commit order. So a poll can see 6 and 8 while
 * 7 commits a moment later; a cursor at 8 would never read 7. And a sequence has holes that never
 * fill: a save rolled back, the numbers a cached sequence lost in a restart. The position tells
 * the two apart by time: it stays at the first hole (`seq`, every seq up to it read or given up
 * on) and remembers the seqs above it already read (`seen`, by when the bridge first read them),
 * which are not published again. A hole still empty `waitMs` after the first seq above it was read
 * is given up on: the feed reads on past it.
 *
 * A hole is given up on only once a page of this poll has looked at it: a change filled in just
 * before must be read, not passed. The seqs remembered are bounded by `maxRemembered`: past it,
 * the lowest holes are given up on at once, and the source says so (CL_SOURCE_CURSOR_FULL).
 *
 * Stored as plain digits (`seq`) while there is no hole, as before the wait, so the form an older
 * bridge wrote is read as it is; with a hole, as JSON: `{"seq":6,"seen":{"<epoch ms>":[8,9]}}`.
 */

export interface PositionLimits {
  readonly waitMs: number;
  readonly maxRemembered: number;
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** What is wrong with a cursor an operator would store, or null (see FeedPosition). */
export function positionProblem(raw: string): string | null {
  if (/^\d{1,15}$/.test(raw)) return null;
  const digits = 'a sequence number, digits only (e.g. 1042)';
  let s: unknown;
  try {
    s = JSON.parse(raw);
  } catch {
    return digits;
  }
  // The JSON form is the feed's own, written while a hole holds it; an operator sets digits, so
  // only a cursor that is meant to be the JSON form is told what is wrong with it as such.
  if (s === null || typeof s !== 'object' || Array.isArray(s) || !('seq' in s)) return digits;
  const wanted = 'the JSON cursor the feed stores at a hole, e.g. {"seq":6,"seen":{"1730000000000":[8]}}';
  const { seq, seen } = s as Record<string, unknown>;
  if (!isSeq(seq)) return `${wanted} (seq is not a sequence number)`;
  if (seen === null || typeof seen !== 'object' || Array.isArray(seen)) return `${wanted} (seen is not an object)`;
  for (const [at, seqs] of Object.entries(seen))
    if (!/^\d{1,15}$/.test(at) || !Array.isArray(seqs) || !seqs.every((n) => isSeq(n) && n > seq))
      return `${wanted} (seen maps epoch milliseconds to seqs above seq)`;
  return null;
}

export class FeedPosition {
  readonly #limits: PositionLimits;
  #seq: number;
  /** Seqs above #seq already read, with when the bridge first read them. */
  readonly #seen: Map<number, number>;

  private constructor(limits: PositionLimits, seq: number, seen: Map<number, number>) {
    this.#limits = limits;
    this.#seq = seq;
    this.#seen = seen;
  }

  /** A stored cursor (null: the feed's start); one positionProblem refuses reads as the start. */
  static parse(raw: string | null, limits: PositionLimits): FeedPosition {
    if (raw === null || positionProblem(raw) !== null) return new FeedPosition(limits, 0, new Map());
    if (/^\d+$/.test(raw)) return new FeedPosition(limits, Number(raw), new Map());
    const s = JSON.parse(raw) as { seq: number; seen: Record<string, number[]> };
    const seen = new Map<number, number>();
    for (const [at, seqs] of Object.entries(s.seen)) for (const n of seqs) seen.set(n, Number(at));
    return new FeedPosition(limits, s.seq, seen);
  }

  /** Every seq up to this one is read or given up on. */
  get seq(): number {
    return this.#seq;
  }

  /** The highest seq read: the feed is read on after it. */
  get head(): number {
    // A loop, not Math.max(...keys): a spread of as many seqs as a stored cursor holds could
    // overflow the call stack, and this runs on every poll.
    let head = this.#seq;
    for (const seq of this.#seen.keys()) if (seq > head) head = seq;
    return head;
  }

  /** How many seqs above the first hole it remembers. */
  get remembered(): number {
    return this.#seen.size;
  }

  has(seq: number): boolean {
    return seq <= this.#seq || this.#seen.has(seq);
  }

  /** A change read (published or dead-lettered) at `now`. */
  read(seq: number, now: number): void {
    if (!this.has(seq)) this.#seen.set(seq, now);
  }

  /**
   * Moves over the seqs read and the holes given up on. `looked(from, to)` says whether a page of
   * this poll read over those seqs (so they are not there now). Returns the runs of seqs given up
   * on, and how many seqs of them the cap forced before their wait was over.
   */
  settle(now: number, looked: (from: number, to: number) => boolean): { passed: [number, number][]; forced: number } {
    const passed: [number, number][] = [];
    let forced = 0;
    // The seqs remembered in order, with the earliest read at or above each: sorted once, so a
    // feed whose sequence steps by 2 (a hole between every pair) settles in n log n, not n².
    const seqs = [...this.#seen.keys()].sort((a, b) => a - b);
    const earliest: number[] = new Array<number>(seqs.length);
    let min = Number.POSITIVE_INFINITY;
    for (let i = seqs.length - 1; i >= 0; i -= 1) {
      min = Math.min(min, this.#seen.get(seqs[i] ?? 0) ?? min);
      earliest[i] = min;
    }
    for (let i = 0; i < seqs.length;) {
      const next = seqs[i] ?? 0;
      if (next === this.#seq + 1) {
        this.#seen.delete(next);
        this.#seq = next;
        i += 1;
        continue;
      }
      // A run of holes up to the lowest seq read: every seq remembered lies above it, so the
      // earliest read of them is when the run opened.
      const from = this.#seq + 1;
      const to = next - 1;
      const openedAt = earliest[i] ?? now;
      const due = now - openedAt >= this.#limits.waitMs && looked(from, to);
      if (!due && seqs.length - i <= this.#limits.maxRemembered) break;
      if (!due) forced += to - from + 1;
      passed.push([from, to]);
      this.#seq = to;
    }
    return { passed, forced };
  }

  /**
   * Gives up on the seqs above the head up to `to`, which a page looked over and found empty (an
   * empty page's watermark ahead of the head). Only with no hole held: the position remembers seqs
   * read above a hole, not seqs given up on, so it cannot stand past a run while a hole below holds.
   * False when a hole holds it, or `to` is not past the head.
   */
  passTo(to: number): boolean {
    if (this.#seen.size > 0 || to <= this.#seq) return false;
    this.#seq = to;
    return true;
  }

  /** Digits while no hole holds it; the JSON form otherwise. */
  toString(): string {
    if (this.#seen.size === 0) return String(this.#seq);
    const byTime: Record<string, number[]> = {};
    for (const [n, at] of [...this.#seen].sort((a, b) => a[0] - b[0])) (byTime[String(at)] ??= []).push(n);
    return JSON.stringify({ seq: this.#seq, seen: byTime });
  }
}

/**
 * cursorAdvances for the feed: `next` lies past `given` when it has read further (its head), or
 * as far but with more below it read or given up on. An empty page's plain watermark below the
 * stored head is then a feed that went back, as before the wait.
 */
export function positionAdvances(given: string | null, next: string, limits: PositionLimits): boolean {
  if (positionProblem(next) !== null) return false;
  const a = FeedPosition.parse(given, limits);
  const b = FeedPosition.parse(next, limits);
  if (b.head !== a.head) return b.head > a.head;
  if (b.seq !== a.seq) return b.seq > a.seq;
  return b.remembered > a.remembered;
}
